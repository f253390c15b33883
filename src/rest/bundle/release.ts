/**
 * Lets go of an entry's content once it has run, so that a large batch or transaction does not hold
 * its whole request until the response (a 50 MB import held every resource of it twice over, beside
 * the stored copies). The parsed Bundle stays referenced until the response has ended, because the
 * audit trail reads it then (audit/http.ts): there each entry's resource is cut down to what the audit
 * reads of it (audit/patients.ts).
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { FhirRequest } from '../types';
import { patientFacts } from '../../audit/patients';

/** Drops the body of each of `requests` (one entry's, prepared and planned) and cuts down entry `index` of `bundle`. */
export function releaseEntry(bundle: Bundle, index: number, requests: readonly FhirRequest[]): void {
  for (const request of requests) request.body = undefined;
  const entry = bundle.entry?.[index];
  if (entry?.resource !== undefined) entry.resource = patientFacts(entry.resource);
}
