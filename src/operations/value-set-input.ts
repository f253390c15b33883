/**
 * The value set a ValueSet operation works on ($expand, $validate-code): the instance of the URL,
 * `url` (+ `valueSetVersion`) or an inline `valueSet`, with what expanding it needs
 * (terminology/resolve.ts).
 */
import type { ValueSet } from '@medplum/fhirtypes';
import type { FhirRequest, RequestContext } from '../rest/types';
import { environmentFor, requestedValueSet } from '../terminology/resolve';
import type { TerminologyEnv } from '../validation/valuesets';
import type { OperationInput } from './input';

export async function valueSetOf(ctx: RequestContext, req: FhirRequest, input: OperationInput): Promise<{ vs: ValueSet; env: TerminologyEnv }> {
  const vs = await requestedValueSet(ctx.repo, {
    id: req.id,
    url: input.one('url'),
    valueSetVersion: input.one('valueSetVersion'),
    inline: input.resource('valueSet'),
    context: input.one('context'),
  });
  return { vs, env: await environmentFor(ctx.repo, vs) };
}
