/**
 * Bundle.entry.response of a batch-response or transaction-response (R4 bundle.html#Bundle.entry.response,
 * http.html#transaction-response): the same status, Location, ETag and Last-Modified the HTTP edge
 * would send for the entry's interaction (rest/status.ts), the resource or OperationOutcome it answered,
 * and `Prefer: return` honoured as for a single create, update or patch.
 */
import type { BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FhirResult } from '../types';
import type { Preferences } from '../../fhir/prefer';
import type { OperationOutcomeError } from '../../fhir/outcome';
import { FAILURE_STATUS, resultMeta, returnedBody, statusText } from '../status';
import type { PreparedEntry } from './entries';

/** Interactions whose answer `Prefer: return` shapes (as on the HTTP edge). */
const HONOURS_RETURN = new Set(['create', 'update', 'patch']);

/** The response entry of an entry that succeeded. */
export function responseEntry(entry: PreparedEntry, result: FhirResult, baseUrl: string, prefer: Preferences): BundleEntry {
  const meta = resultMeta(result, baseUrl);
  const response: NonNullable<BundleEntry['response']> = { status: statusText(meta.status) };
  if (meta.location) response.location = meta.location;
  if (meta.etag) response.etag = meta.etag;
  if (meta.lastModified) response.lastModified = meta.lastModified;
  let body: Resource | undefined = HONOURS_RETURN.has(entry.interaction.code) ? returnedBody(result, prefer.return) : result.body;
  if (entry.method === 'HEAD' || result.kind === 'not-modified') body = undefined;
  if (body?.resourceType === 'OperationOutcome') return { response: { ...response, outcome: body as OperationOutcome } };
  if (body === undefined) return { response };
  const fullUrl = body.id && result.version ? `${baseUrl}/${body.resourceType}/${body.id}` : undefined;
  return { ...(fullUrl ? { fullUrl } : {}), resource: body, response };
}

/** The response entry of an entry that failed (a batch answers every entry, failed or not). */
export function failedEntry(err: OperationOutcomeError): BundleEntry {
  return { response: { status: statusText(FAILURE_STATUS[err.kind]), outcome: err.outcome } };
}
