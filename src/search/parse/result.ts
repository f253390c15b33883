/**
 * Result parameters (R4 search.html "Modifying Search Results"): _sort, _count, _total, _summary,
 * _elements, _include and _revinclude. Each returns the parsed part or "unsupported".
 */
import { invalid } from '../../fhir/outcome';
import { isResourceType } from '../../validation/definitions';
import type { IncludeSpec, SortKey, SummaryMode, TotalMode } from '../ast';
import { searchParam } from '../registry';
import { lookupParam, type Scope } from './keys';
import { ok, unsupported, type Parsed } from './parsed';

const TOTALS: ReadonlySet<string> = new Set(['none', 'estimate', 'accurate']);
const SUMMARIES: ReadonlySet<string> = new Set(['true', 'text', 'data', 'count', 'false']);
const ELEMENT = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** `_sort=a,-b`: keys in order; a parameter that cannot sort (composite, special) is unsupported. */
export function parseSort(scope: Scope, raw: string): Parsed<SortKey[]> {
  const keys: SortKey[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    if (code === '') continue;
    // A repeated key cannot change the order (its first occurrence decides); keeping it would make the sort and the paging cursor disagree.
    const add = (key: SortKey) => {
      if (!keys.some((k) => k.field === key.field)) keys.push(key);
    };
    if (code === '_id' || code === '_lastUpdated') {
      add({ code, field: code === '_id' ? '_id' : 'lastUpdatedMs', descending });
      continue;
    }
    const param = lookupParam(scope, code);
    if (!param) return unsupported(`_sort: unknown search parameter ${code}`);
    if (param.type === 'composite' || param.type === 'special') return unsupported(`_sort: ${param.type} parameter ${code} cannot sort`);
    add({ code, field: `sort.${param.code}`, descending });
  }
  return ok(keys);
}

/** `_count`: a non-negative integer (the caller applies its default and maximum). */
export function parseCount(raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw invalid(`_count must be a non-negative integer, not "${raw}"`, '_count');
  return Number(raw);
}

/** `_total`: none, estimate or accurate. */
export function parseTotal(raw: string): TotalMode {
  if (!TOTALS.has(raw)) throw invalid(`_total must be none, estimate or accurate, not "${raw}"`, '_total');
  return raw as TotalMode;
}

/** `_summary`: true, text, data, count or false. */
export function parseSummary(raw: string): SummaryMode {
  if (!SUMMARIES.has(raw)) throw invalid(`_summary must be true, text, data, count or false, not "${raw}"`, '_summary');
  return raw as SummaryMode;
}

/** `_elements`: a comma list of element names. */
export function parseElements(raw: string): string[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = names.find((n) => !ELEMENT.test(n));
  if (bad !== undefined) throw invalid(`_elements: "${bad}" is not an element name`, '_elements');
  return names;
}

/**
 * `_include` / `_revinclude` values: `*`, `Type:*`, `Type:param` or `Type:param:Target`. For
 * `_include` without `:iterate` the source type must be the searched type; `*` stands for it.
 */
export function parseInclude(scope: Scope, raw: string, iterate: boolean, reverse: boolean): Parsed<IncludeSpec> {
  const name = reverse ? '_revinclude' : '_include';
  const parts = raw.split(':');
  const searched = scope.types?.length === 1 ? scope.types[0] : undefined;
  if (raw === '*') {
    if (reverse || !searched) return unsupported(`${name}=* needs a searched type (use Type:param)`);
    return ok({ sourceType: searched, param: '*', iterate });
  }
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw invalid(`${name} takes Type:parameter or Type:parameter:TargetType, not "${raw}"`, name);
  }
  const [sourceType, code, targetType] = parts;
  if (!isResourceType(sourceType)) return unsupported(`${name}: ${sourceType} is not a resource type`);
  if (!reverse && !iterate && scope.types !== undefined && !scope.types.includes(sourceType)) {
    return unsupported(`${name}: ${sourceType} is not the searched type (use ${name}:iterate)`);
  }
  if (targetType !== undefined && !isResourceType(targetType)) return unsupported(`${name}: ${targetType} is not a resource type`);
  if (code === '*') return ok({ sourceType, param: '*', ...(targetType ? { targetType } : {}), iterate });
  const param = searchParam(sourceType, code);
  if (!param || param.type !== 'reference') return unsupported(`${name}: ${sourceType} has no reference parameter ${code}`);
  if (targetType !== undefined && param.targets && !param.targets.includes(targetType)) {
    return unsupported(`${name}: ${sourceType}:${code} cannot refer to ${targetType}`);
  }
  return ok({ sourceType, param, ...(targetType ? { targetType } : {}), iterate });
}
