/** capabilities (R4 http.html#capabilities): GET [base]/metadata. */
import type { Handler } from './types';
import { buildCapabilityStatement, type CapabilityFacts } from '../fhir/capability';
import { resourceTypes } from '../validation/definitions';
import { RELAY_SOFTWARE, STARTED_AT } from '../software';

/** The metadata handler, describing the interactions `registered()` returns when it is called. */
export function capabilitiesHandler(registered: () => CapabilityFacts['interactions']): Handler {
  return async (ctx) => ({
    kind: 'ok',
    body: buildCapabilityStatement({
      baseUrl: ctx.baseUrl,
      software: RELAY_SOFTWARE,
      startedAt: STARTED_AT,
      resourceTypes: resourceTypes(),
      interactions: registered(),
      searchParams: () => [],
      operations: [],
      formats: ['application/fhir+json', 'json'],
    }),
  });
}
