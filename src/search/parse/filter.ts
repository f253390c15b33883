/**
 * One parameter occurrence → one filter node: checks the modifier against the parameter type
 * (R4 search.html "Modifiers") and parses the comma-separated alternatives with the type's grammar.
 */
import { fail, invalid } from '../../fhir/outcome';
import { subsumption } from '../../validation/valuesets';
import { isResourceType } from '../../validation/definitions';
import { assertNever, type CodePair, type CompositeValueNode, type ComponentValueNode, type FilterNode } from '../ast';
import type { ParamType, SearchParamDef } from '../params';
import { splitEscaped } from './escape';
import { parseDateValue, parseNumberValue, parseQuantityValue } from './ordered';
import { ok, unsupported, type Parsed } from './parsed';
import { parseOfTypeValue, parseReferenceValue, parseStringValue, parseTokenValue, parseUriValue } from './values';
import { expandValueSets } from './valuesets';

/** The comma-separated alternatives of a raw value, still escaped, empty ones dropped. */
export function alternatives(raw: string): string[] {
  return splitEscaped(raw, ',').filter((v) => v !== '');
}

/** Builds the filter for `param[:modifier]=raw`; `key` (the parameter as written) names it in errors. */
export function paramFilter(param: SearchParamDef, modifier: string | undefined, raw: string, key: string): Parsed<FilterNode> {
  if (modifier === 'missing') return ok(missingFilter(param, raw, key));
  const values = alternatives(raw);
  switch (param.type) {
    case 'string':
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') return badModifier(param, modifier);
      return ok({ kind: 'string', param, ...(modifier ? { modifier } : {}), values: values.map(parseStringValue) });
    case 'token':
      return tokenFilter(param, modifier, values, key);
    case 'reference':
      return referenceFilter(param, modifier, values, key);
    case 'date':
      if (modifier !== undefined) return badModifier(param, modifier);
      return ok({ kind: 'date', param, values: values.map((v) => parseDateValue(v, key)) });
    case 'number':
      if (modifier !== undefined) return badModifier(param, modifier);
      return ok({ kind: 'number', param, values: values.map((v) => parseNumberValue(v, key)) });
    case 'quantity':
      if (modifier !== undefined) return badModifier(param, modifier);
      return ok({ kind: 'quantity', param, values: values.map((v) => parseQuantityValue(v, key)) });
    case 'uri':
      if (modifier !== undefined && modifier !== 'below' && modifier !== 'above') return badModifier(param, modifier);
      return ok({ kind: 'uri', param, ...(modifier ? { modifier } : {}), values: values.map(parseUriValue) });
    case 'composite':
      if (modifier !== undefined) return badModifier(param, modifier);
      return ok({ kind: 'composite', param, values: values.map((v) => compositeValue(param, v, key)) });
    case 'special':
      return unsupported(`search parameter ${param.code} (type special) is not supported`);
    default:
      return assertNever(param.type);
  }
}

function tokenFilter(param: SearchParamDef, modifier: string | undefined, values: string[], key: string): Parsed<FilterNode> {
  switch (modifier) {
    case undefined:
    case 'not':
      return ok({ kind: 'token', param, ...(modifier ? { modifier } : {}), values: values.map((v) => parseTokenValue(v, key)) });
    case 'text':
      return ok({ kind: 'token-text', param, values: values.map(parseStringValue) });
    case 'of-type':
      return ok({ kind: 'of-type', param, values: values.map((v) => parseOfTypeValue(v, key)) });
    case 'in':
    case 'not-in': {
      const valueSets = values.map((v) => parseUriValue(v).uri);
      return ok({ kind: modifier, param, valueSets, codes: expandValueSets(valueSets, key) });
    }
    case 'above':
    case 'below':
      return ok({ kind: 'in', param, valueSets: [], codes: values.flatMap((v) => subsumedCodes(v, modifier, key)) });
    default:
      return badModifier(param, modifier);
  }
}

function referenceFilter(param: SearchParamDef, modifier: string | undefined, values: string[], key: string): Parsed<FilterNode> {
  if (modifier === 'identifier') return ok({ kind: 'reference-identifier', param, values: values.map((v) => parseTokenValue(v, key)) });
  if (modifier !== undefined) {
    const targets = param.targets ?? [];
    if (!isResourceType(modifier) || (targets.length > 0 && !targets.includes(modifier))) return badModifier(param, modifier);
  }
  return ok({ kind: 'reference', param, values: values.map((v) => parseReferenceValue(v, key, modifier)) });
}

function missingFilter(param: SearchParamDef, raw: string, key: string): FilterNode {
  if (raw !== 'true' && raw !== 'false') throw invalid(`${key}: :missing takes true or false, not "${raw}"`, key);
  return { kind: 'missing', param, missing: raw === 'true' };
}

/** `a$b$c`: one value per component, in the order of the definition's components. */
function compositeValue(param: SearchParamDef, raw: string, key: string): CompositeValueNode {
  const components = param.components ?? [];
  const parts = splitEscaped(raw, '$');
  if (parts.length !== components.length || parts.some((p) => p === '')) {
    throw invalid(`${key}: composite value "${raw}" needs ${components.length} components separated by "$"`, key);
  }
  return {
    kind: 'composite',
    components: components.map((c, i) => ({ code: c.code, value: componentValue(c.type, parts[i], key) })),
  };
}

function componentValue(type: ParamType, raw: string, key: string): ComponentValueNode {
  switch (type) {
    case 'string':
      return parseStringValue(raw);
    case 'token':
      return parseTokenValue(raw, key);
    case 'reference':
      return parseReferenceValue(raw, key);
    case 'date':
      return parseDateValue(raw, key);
    case 'number':
      return parseNumberValue(raw, key);
    case 'quantity':
      return parseQuantityValue(raw, key);
    case 'uri':
      return parseUriValue(raw);
    case 'composite':
    case 'special':
      throw invalid(`${key}: a composite component of type ${type} is not supported`, key);
    default:
      return assertNever(type);
  }
}

/** token `:above`/`:below` on `system|code`: the codes related in the local code system's hierarchy, matched like `:in`. */
function subsumedCodes(raw: string, direction: 'above' | 'below', key: string): CodePair[] {
  const { system, code } = parseTokenValue(raw, key);
  if (!system || !code) throw invalid(`${key}: "${raw}" must be system|code (subsumption needs the code system)`, key);
  const codes = subsumption(system, code, direction);
  if (!codes) throw fail('invalid', 'not-supported', `${key}: code ${code} of ${system} is not in a code system this server holds, so :${direction} cannot be evaluated`, key);
  return codes.map((c) => ({ system, code: c }));
}

function badModifier(param: SearchParamDef, modifier: string): Parsed<never> {
  const subsumption = param.type === 'token' && (modifier === 'above' || modifier === 'below');
  const hint = subsumption ? ' (subsumption on code systems is not supported)' : '';
  return unsupported(`modifier :${modifier} is not supported on ${param.type} parameter ${param.code}${hint}`);
}
