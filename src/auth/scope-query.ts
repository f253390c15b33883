/**
 * The query restriction of a SMART v2 scope (SMART App Launch 2.x scopes-and-launch-context.html,
 * "Finer-grained resource constraints using search parameters"), e.g.
 * `patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory`,
 * parsed by the search parser (search/parse) into the filters of a search on the scope's type. Only
 * filters that can be decided from the resource itself are accepted: no result parameters (`_count`,
 * `_sort`, `_include`, ...), no chains and no `_has` (they depend on other resources).
 */
import { OperationOutcomeError } from '../fhir/outcome';
import type { FilterNode } from '../search/ast';
import { parseSearch } from '../search/parse/index';

/** A parsed restriction (its filters are ANDed, the values of each ORed), or why it cannot be enforced. */
export type ScopeQuery = { ok: true; filters: FilterNode[] } | { ok: false; reason: string };

/** Parses the restriction of a scope on `type` (`*`: only parameters common to every type). */
export function parseScopeQuery(type: string, restriction: Record<string, string[]>): ScopeQuery {
  let filters: FilterNode[];
  try {
    filters = parseSearch(type === '*' ? undefined : type, restriction, { strict: true }).query.filters;
  } catch (err) {
    if (err instanceof OperationOutcomeError) return { ok: false, reason: err.message };
    throw err;
  }
  // Each occurrence of a search parameter gives one filter; anything else (result parameters, _format, empty values) gives none.
  const occurrences = Object.values(restriction).reduce((n, values) => n + values.length, 0);
  if (filters.length !== occurrences) {
    return { ok: false, reason: 'only search filters with a value may restrict a scope (not _count, _sort, _include, _revinclude, _summary, _elements, _total or _format)' };
  }
  const related = filters.find((f) => dependsOnOthers(f));
  if (related) return { ok: false, reason: 'chained parameters and _has depend on other resources and cannot restrict a scope' };
  return { ok: true, filters };
}

function dependsOnOthers(node: FilterNode): boolean {
  if (node.kind === 'chain' || node.kind === 'has') return true;
  return node.kind === 'not' && dependsOnOthers(node.inner);
}
