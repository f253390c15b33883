/** capabilities (R4 http.html#capabilities): GET [base]/metadata. */
import type { Handler } from './types';
import { buildCapabilityStatement, type CapabilityFacts } from '../fhir/capability';
import { resourceTypes } from '../validation/definitions';
import { RELAY_SOFTWARE, STARTED_AT } from '../software';
import { searchParams } from '../search/registry';
import type { OperationSpec } from '../operations/registry';
import { restSecurity } from '../auth/server/discovery';
import { authUrls } from '../auth/urls';

/** The metadata handler, describing the interactions `registered()` returns when it is called. */
export function capabilitiesHandler(registered: () => CapabilityFacts['interactions'], operations: readonly OperationSpec[]): Handler {
  return async (ctx) => ({
    kind: 'ok',
    body: buildCapabilityStatement({
      baseUrl: ctx.baseUrl,
      software: RELAY_SOFTWARE,
      startedAt: STARTED_AT,
      resourceTypes: resourceTypes(),
      interactions: registered().filter((i) => i.code !== 'operation'),
      conditionalDelete: ctx.config.conditionalDeleteMultiple ? 'multiple' : 'single',
      searchParams: (type) =>
        searchParams(type).map((p) => ({ name: p.code, type: p.type, definition: p.url, ...(p.description ? { documentation: p.description } : {}) })),
      operations: operations.flatMap((op) => {
        const listed = { name: op.name, definition: op.definition };
        const out: CapabilityFacts['operations'][number][] = [];
        if (op.levels.includes('system')) out.push(listed);
        if (op.levels.some((l) => l !== 'system')) out.push({ ...listed, types: op.types === 'all' ? resourceTypes() : op.types });
        return out;
      }),
      formats: ['application/fhir+json', 'json'],
      ...(ctx.config.auth === 'smart' ? { security: restSecurity(authUrls(ctx.baseUrl)) } : {}),
    }),
  });
}
