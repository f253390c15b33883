/**
 * $expand (R4 valueset-operation-expand.html): GET|POST ValueSet/$expand with `url` (and
 * `valueSetVersion`) or a `valueSet` resource (in a Parameters body, or as the body itself), and
 * GET|POST ValueSet/[id]/$expand on a stored ValueSet. Parameters: `filter`, `offset`, `count`,
 * `includeDesignations`, `activeOnly`, `excludeNotForUI`; the others of the R4 definition
 * (`context`, `date`, `displayLanguage`, system versions, ...) are not supported and, except
 * `context`, ignored. The answer is the ValueSet with its expansion (terminology/expand.ts).
 */
import { booleanParam, countParam } from '../terminology/params';
import { buildExpansion } from '../terminology/expand';
import type { Handler } from '../rest/types';
import { valueSetOf } from './value-set-input';
import { operationInput } from './input';
import type { OperationSpec } from './registry';

const handler: Handler = async (ctx, req) => {
  const input = operationInput(req, 'valueSet');
  const { vs, env } = await valueSetOf(ctx, req, input);
  const body = buildExpansion(vs, env, {
    filter: input.one('filter'),
    offset: countParam('offset', input.one('offset')),
    count: countParam('count', input.one('count')),
    includeDesignations: booleanParam('includeDesignations', input.one('includeDesignations')),
    activeOnly: booleanParam('activeOnly', input.one('activeOnly')),
    excludeNotForUI: booleanParam('excludeNotForUI', input.one('excludeNotForUI')),
    valueSetVersion: input.one('valueSetVersion'),
  });
  return { kind: 'ok', body };
};

export const expandOperation: OperationSpec = {
  name: 'expand',
  definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand',
  types: ['ValueSet'],
  levels: ['type', 'instance'],
  affectsState: false,
  handler,
};
