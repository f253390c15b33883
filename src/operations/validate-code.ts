/**
 * $validate-code on value sets and code systems (R4 valueset-operation-validate-code.html,
 * codesystem-operation-validate-code.html), GET|POST at type and instance level:
 *
 * - ValueSet/$validate-code with `url` (+ `valueSetVersion`) or `valueSet`; ValueSet/[id]/$validate-code.
 * - CodeSystem/$validate-code with `url` (or the coding's system) or `codeSystem`; CodeSystem/[id]/$validate-code.
 *
 * The code is one of: `code` + `system` (+ `systemVersion`/`version`, `display`), `coding`, or
 * `codeableConcept`; `abstract=false` rejects abstract codes. `context` is not supported; `date` and
 * `displayLanguage` are ignored. The answer is a Parameters (terminology/validate-code.ts);
 * an unknown value set or code system is a 404.
 */
import type { CodeSystem, Resource } from '@medplum/fhirtypes';
import { fail, invalid, notFound } from '../fhir/outcome';
import type { Repository } from '../repository/repository';
import type { Handler } from '../rest/types';
import { indexedCodeSystem, type LocalCodeSystem } from '../validation/valuesets';
import { booleanParam } from '../terminology/params';
import { externalSystem, findCodeSystem } from '../terminology/resolve';
import { checkInCodeSystem, checkInValueSet, checkParameters, type CodeToCheck } from '../terminology/validate-code';
import { valueSetOf } from './value-set-input';
import { operationInput, type OperationInput } from './input';
import type { OperationSpec } from './registry';

const valueSetHandler: Handler = async (ctx, req) => {
  const input = operationInput(req, 'valueSet');
  const codings = codingsOf(input, input.one('systemVersion'));
  const { vs, env } = await valueSetOf(ctx, req, input);
  const check = checkInValueSet(vs, env, codings, { abstract: booleanParam('abstract', input.one('abstract')) });
  return { kind: 'ok', body: checkParameters(check) };
};

const codeSystemHandler: Handler = async (ctx, req) => {
  const input = operationInput(req);
  const codings = codingsOf(input, input.one('version'));
  const cs = await requestedCodeSystem(ctx.repo, req.id, input.one('url'), input.resource('codeSystem'), codings);
  return { kind: 'ok', body: checkParameters(checkInCodeSystem(cs, codings, { abstract: booleanParam('abstract', input.one('abstract')) })) };
};

/** The codings to check: exactly one of code (+ system), coding and codeableConcept. */
function codingsOf(input: OperationInput, version: string | undefined): CodeToCheck[] {
  const code = input.one('code');
  const coding = input.coding('coding');
  const concept = input.codeableConcept('codeableConcept');
  const forms = [code !== undefined, coding !== undefined, concept !== undefined].filter(Boolean).length;
  if (forms === 0) throw invalid('give the code to validate: code and system, coding, or codeableConcept', 'code');
  if (forms > 1) throw invalid('give only one of code, coding and codeableConcept', 'code');
  if (code !== undefined) return [{ code, system: input.one('system'), version, display: input.one('display') }];
  if (coding) return [{ code: coding.code, system: coding.system, version: coding.version ?? version, display: coding.display ?? input.one('display') }];
  const codings = concept?.coding ?? [];
  if (codings.length === 0) throw invalid('the codeableConcept has no coding to validate', 'codeableConcept');
  return codings.map((c) => ({ code: c.code, system: c.system, version: c.version, display: c.display }));
}

/** The stored CodeSystem/[id], the inline `codeSystem`, or the one `url` (else the coding's system) names. */
async function requestedCodeSystem(repo: Repository, id: string | undefined, url: string | undefined, inline: Resource | undefined, codings: CodeToCheck[]): Promise<LocalCodeSystem> {
  if ([id, url, inline].filter((x) => x !== undefined).length > 1) {
    throw invalid('name the code system once: by the instance in the URL, the url parameter or the codeSystem parameter', 'url');
  }
  if (id !== undefined) return indexed(await repo.read<CodeSystem>('CodeSystem', id), `CodeSystem/${id}`);
  if (inline !== undefined) {
    if (inline.resourceType !== 'CodeSystem') throw invalid(`the codeSystem parameter must be a CodeSystem, not a ${inline.resourceType}`, 'codeSystem');
    return indexed(inline, 'the codeSystem parameter');
  }
  const system = url ?? codings.find((c) => c.system !== undefined)?.system;
  if (system === undefined) throw invalid('name the code system: call CodeSystem/[id]/$validate-code, or give url (or a system with the code)', 'url');
  // A version in the codings is checked against the code system's by checkInCodeSystem.
  const cs = await findCodeSystem(repo, system);
  if (cs) return cs;
  const external = externalSystem(system);
  if (external) throw fail('invalid', 'not-supported', `Relay has no copy of ${external} (${system}) and cannot validate its codes`, 'url');
  throw notFound(`code system ${system} is not known to Relay`);
}

function indexed(cs: CodeSystem, name: string): LocalCodeSystem {
  return indexedCodeSystem({ ...cs, url: cs.url ?? name });
}

export const valueSetValidateCodeOperation: OperationSpec = {
  name: 'validate-code',
  definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code',
  types: ['ValueSet'],
  levels: ['type', 'instance'],
  affectsState: false,
  handler: valueSetHandler,
};

export const codeSystemValidateCodeOperation: OperationSpec = {
  name: 'validate-code',
  definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code',
  types: ['CodeSystem'],
  levels: ['type', 'instance'],
  affectsState: false,
  handler: codeSystemHandler,
};
