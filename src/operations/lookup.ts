/**
 * $lookup (R4 codesystem-operation-lookup.html): GET|POST CodeSystem/$lookup with `system` + `code`
 * (and `version`), or a `coding`; `property` limits the properties returned. The code system is
 * local (R4 core, Relay's own) or stored. The answer is a Parameters (terminology/lookup.ts); an
 * unknown system or code is a 404, a system Relay knows but does not hold (SNOMED CT, LOINC, ...)
 * a 400 not-supported. `date` and `displayLanguage` are ignored.
 */
import { fail, invalid, notFound } from '../fhir/outcome';
import { lookupCode } from '../terminology/lookup';
import { canonicalOf, externalSystem, findCodeSystem } from '../terminology/resolve';
import type { Handler } from '../rest/types';
import { operationInput } from './input';
import type { OperationSpec } from './registry';

const handler: Handler = async (ctx, req) => {
  const input = operationInput(req);
  const coding = input.coding('coding');
  const [code, system, version] = [input.one('code'), input.one('system'), input.one('version')];
  if (coding && (code !== undefined || system !== undefined)) throw invalid('give either a coding or code and system, not both', 'coding');
  const target = coding ? { code: coding.code, system: coding.system, version: coding.version ?? version } : { code, system, version };
  if (target.code === undefined) throw invalid('$lookup needs a code: give code and system, or a coding', 'code');
  if (target.system === undefined) throw invalid(`$lookup needs the system of code "${target.code}"`, 'system');
  const cs = await findCodeSystem(ctx.repo, canonicalOf(target.system, target.version));
  if (!cs) {
    const external = externalSystem(target.system);
    if (external) throw fail('invalid', 'not-supported', `Relay has no copy of ${external} (${target.system}) and cannot look up its codes`, 'system');
    const which = target.version ? `version ${target.version} of code system ${target.system}` : `code system ${target.system}`;
    throw notFound(`${which} is not known to Relay`);
  }
  return { kind: 'ok', body: lookupCode(cs, target.code, input.all('property')) };
};

export const lookupOperation: OperationSpec = {
  name: 'lookup',
  definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup',
  types: ['CodeSystem'],
  levels: ['type'],
  affectsState: false,
  handler,
};
