/**
 * The parameter-name grammar (R4 search.html "Chained parameters", "Reverse chaining"):
 *   name[:modifier]                          a parameter of the searched type(s)
 *   ref[:Type].rest                          chaining, to any depth
 *   _has:Type:ref:rest                       reverse chaining, nestable
 * and the parameters answered from the stored document itself (`_id`, `_lastUpdated`).
 */
import { invalid } from '../../fhir/outcome';
import { isResourceType } from '../../validation/definitions';
import type { FilterNode } from '../ast';
import type { SearchParamDef } from '../params';
import { COMMON_PARAMS, searchParam } from '../registry';
import { unescapeValue } from './escape';
import { alternatives, paramFilter } from './filter';
import { parseDateValue } from './ordered';
import { ok, unsupported, type Parsed } from './parsed';

/** The resource types a parameter name is looked up on; `undefined` = every type (system search without `_type`). */
export interface Scope {
  types: readonly string[] | undefined;
}

/** Any concrete type serves to look up the common (Resource-level) parameters, which are the same on all of them. */
const COMMON_HOST = 'Basic';

/** Parses `key=raw` (one occurrence) into a filter node; malformed values throw a 400, unknown names are `unsupported`. */
export function parseKey(scope: Scope, key: string, raw: string, written: string = key): Parsed<FilterNode> {
  if (key.startsWith('_has:')) return parseHas(scope, key, raw, written);
  const dot = key.indexOf('.');
  if (dot >= 0) return parseChain(scope, key.slice(0, dot), key.slice(dot + 1), raw, written);
  const [name, modifier, ...extra] = key.split(':');
  if (extra.length > 0) return unsupported(`search parameter ${written} has more than one modifier`);
  if (name === '_id' || name === '_lastUpdated') {
    if (modifier !== undefined) return unsupported(`modifier :${modifier} is not supported on ${name}`);
    return ok(name === '_id' ? idFilter(raw) : { kind: 'lastUpdated', values: alternatives(raw).map((v) => parseDateValue(v, written)) });
  }
  const param = lookupParam(scope, name);
  if (!param) return unsupported(`unknown search parameter ${name}${describeScope(scope)}`);
  return paramFilter(param, modifier, raw, written);
}

/** The definition of `code` valid on every type of the scope (with one parameter type), if any. */
export function lookupParam(scope: Scope, code: string): SearchParamDef | undefined {
  if (scope.types === undefined) return COMMON_PARAMS.includes(code) ? searchParam(COMMON_HOST, code) : undefined;
  let found: SearchParamDef | undefined;
  for (const type of scope.types) {
    const def = searchParam(type, code);
    if (!def || (found && found.type !== def.type)) return undefined;
    found ??= def;
  }
  return found;
}

function idFilter(raw: string): FilterNode {
  return { kind: 'id', ids: alternatives(raw).map(unescapeValue) };
}

function parseChain(scope: Scope, head: string, rest: string, raw: string, written: string): Parsed<FilterNode> {
  const [name, typeModifier, ...extra] = head.split(':');
  if (extra.length > 0) return unsupported(`chained parameter ${written} has more than one modifier on ${name}`);
  const param = lookupParam(scope, name);
  if (!param) return unsupported(`unknown search parameter ${name}${describeScope(scope)}`);
  if (param.type !== 'reference') return unsupported(`${name} is a ${param.type} parameter and cannot be chained`);
  const targets = param.targets ?? [];
  let targetType = typeModifier;
  if (targetType === undefined) {
    if (targets.length !== 1) {
      const example = targets.includes('Patient') || targets.length === 0 ? 'Patient' : targets[0];
      const types = targets.join(', ') || 'any type';
      throw invalid(`${written}: ${name} may refer to ${types}; name the type to chain through, e.g. ${name}:${example}.${rest}`, written);
    }
    targetType = targets[0];
  } else if (!isResourceType(targetType)) {
    return unsupported(`${written}: ${targetType} is not a resource type`);
  } else if (targets.length > 0 && !targets.includes(targetType)) {
    throw invalid(`${written}: ${name} cannot refer to ${targetType} (targets: ${targets.join(', ')})`, written);
  }
  const inner = parseKey({ types: [targetType] }, rest, raw, written);
  return inner.ok ? ok({ kind: 'chain', param, targetType, inner: inner.value }) : inner;
}

function parseHas(scope: Scope, key: string, raw: string, written: string): Parsed<FilterNode> {
  const m = /^_has:([^:]+):([^:]+):(.+)$/.exec(key);
  if (!m) throw invalid(`${written}: _has takes the form _has:Type:parameter:rest`, written);
  const [, sourceType, code, rest] = m;
  if (scope.types?.length !== 1) return unsupported(`${written}: _has needs exactly one searched resource type`);
  const targetType = scope.types[0];
  if (!isResourceType(sourceType)) return unsupported(`${written}: ${sourceType} is not a resource type`);
  const sourceParam = searchParam(sourceType, code);
  if (!sourceParam) return unsupported(`unknown search parameter ${code} on ${sourceType}`);
  if (sourceParam.type !== 'reference') return unsupported(`${written}: ${sourceType}.${code} is not a reference parameter`);
  const targets = sourceParam.targets ?? [];
  if (targets.length > 0 && !targets.includes(targetType)) {
    throw invalid(`${written}: ${sourceType}:${code} cannot refer to ${targetType}`, written);
  }
  const inner = parseKey({ types: [sourceType] }, rest, raw, written);
  return inner.ok ? ok({ kind: 'has', sourceType, sourceParam, targetType, inner: inner.value }) : inner;
}

function describeScope(scope: Scope): string {
  if (scope.types === undefined) return ' (a search across all types accepts only common parameters)';
  return scope.types.length === 1 ? ` on ${scope.types[0]}` : ` common to ${scope.types.join(', ')}`;
}
