/**
 * The search query parser (R4 search.html): query parameters → a typed SearchQuery. Unknown
 * parameters and unsupported modifiers are a 400 in strict mode and ignored (and reported, so the
 * caller can leave them out of the self link) in lenient mode; malformed values are always a 400.
 * Each parameter name (key) is applied as a whole or ignored as a whole.
 */
import { invalid } from '../../fhir/outcome';
import { isResourceType } from '../../validation/definitions';
import type { FilterNode, IncludeSpec, SearchQuery } from '../ast';
import { alternatives } from './filter';
import { parseKey, type Scope } from './keys';
import type { Parsed } from './parsed';
import { parseCount, parseElements, parseInclude, parseSort, parseSummary, parseTotal } from './result';

export interface ParseOptions {
  /** `Prefer: handling=strict`. */
  strict: boolean;
}

export interface ParseResult {
  query: SearchQuery;
  /** Parameter names (keys as written) that were ignored in lenient mode, or had only empty values (all their occurrences). */
  ignored: string[];
}

/** Silently accepted: honoured by the HTTP layer, not by search. */
const TRANSPORT = new Set(['_format', '_pretty']);
const INCLUDES = /^_(include|revinclude)(?::(iterate|recurse))?$/;

/** Parses a type-level (`resourceType` set) or system-level search. */
export function parseSearch(resourceType: string | undefined, query: Record<string, string[]>, options: ParseOptions): ParseResult {
  const out: SearchQuery = { filters: [], sort: [], include: [], revinclude: [] };
  const ignored: string[] = [];
  let scope: Scope = { types: resourceType === undefined ? undefined : [resourceType] };
  if (resourceType !== undefined) out.resourceType = resourceType;
  else {
    const types = parseTypes(query._type ?? []);
    if (types) {
      out.types = types;
      scope = { types };
    }
  }
  for (const [key, all] of Object.entries(query)) {
    const values = all.filter((v) => alternatives(v).length > 0);
    if (TRANSPORT.has(key) || (key === '_type' && resourceType === undefined)) continue;
    if (values.length === 0) {
      ignored.push(key);
      continue;
    }
    const applied = applyKey(out, scope, key, values);
    if (applied.ok) continue;
    if (options.strict) throw invalid(applied.reason, key);
    ignored.push(key);
  }
  return { query: out, ignored };
}

/** Applies every occurrence of one key to `out`, or nothing when one of them is unsupported. */
function applyKey(out: SearchQuery, scope: Scope, key: string, values: string[]): Parsed<true> {
  const last = values[values.length - 1];
  switch (key) {
    case '_count':
      out.count = parseCount(last);
      return { ok: true, value: true };
    case '_total':
      out.total = parseTotal(last);
      return { ok: true, value: true };
    case '_summary':
      out.summary = parseSummary(last);
      return { ok: true, value: true };
    case '_elements':
      out.elements = values.flatMap(parseElements);
      return { ok: true, value: true };
    case '_cursor':
      out.cursor = last;
      return { ok: true, value: true };
    case '_sort': {
      const sort = parseSort(scope, last);
      if (!sort.ok) return sort;
      out.sort = sort.value;
      return { ok: true, value: true };
    }
  }
  const include = INCLUDES.exec(key);
  if (include) return applyIncludes(out, scope, values, include[1] === 'revinclude', include[2] !== undefined);
  const filters: FilterNode[] = [];
  for (const raw of values) {
    const parsed = parseKey(scope, key, raw);
    if (!parsed.ok) return parsed;
    filters.push(parsed.value);
  }
  out.filters.push(...filters);
  return { ok: true, value: true };
}

function applyIncludes(out: SearchQuery, scope: Scope, values: string[], reverse: boolean, iterate: boolean): Parsed<true> {
  const specs: IncludeSpec[] = [];
  for (const raw of values) {
    const spec = parseInclude(scope, raw, iterate, reverse);
    if (!spec.ok) return spec;
    specs.push(spec.value);
  }
  (reverse ? out.revinclude : out.include).push(...specs);
  return { ok: true, value: true };
}

/** `_type=A,B` (system level): every name must be a resource type. */
function parseTypes(values: string[]): string[] | undefined {
  const types = values.flatMap((v) => v.split(',')).filter((t) => t !== '');
  if (types.length === 0) return undefined;
  const bad = types.find((t) => !isResourceType(t));
  if (bad !== undefined) throw invalid(`_type: ${bad} is not a resource type`, '_type');
  return [...new Set(types)];
}
