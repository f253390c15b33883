/** capabilities (R4 http.html#capabilities): GET [base]/metadata. */
import type { Handler } from './types';
import { buildCapabilityStatement, type CapabilityFacts } from '../fhir/capability';
import { resourceTypes } from '../validation/definitions';
import { RELAY_SOFTWARE, STARTED_AT } from '../software';
import { searchParams } from '../search/registry';

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
      conditionalDelete: ctx.config.conditionalDeleteMultiple ? 'multiple' : 'single',
      searchParams: (type) =>
        searchParams(type).map((p) => ({ name: p.code, type: p.type, definition: p.url, ...(p.description ? { documentation: p.description } : {}) })),
      operations: [],
      formats: ['application/fhir+json', 'json'],
    }),
  });
}
