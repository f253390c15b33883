/**
 * One query-restricted scope (auth/scope-query.ts) in the two forms the repository needs, both from
 * the project's search machinery and so in agreement: the Mongo filter of search/compile (ANDed into
 * searches, `_revinclude` and history look-ups like a compartment) and the search oracle of
 * search/match, run on the index values extracted from one resource (reads, includes, history
 * versions, writes).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Filter } from '../storage/port';
import type { FilterNode, Resolver } from '../search/ast';
import type { SearchIndex } from '../search/index-values';
import { compileFilter } from '../search/compile/index';
import { matchesQuery, type OracleResolver } from '../search/match/index';
import { extractParam } from '../search/extract/index';
import { searchParam } from '../search/registry';

export interface ScopeMatch {
  /** The filter selecting the current documents the query matches (the same on every type). */
  readonly filter: Filter;
  /** Does `resource` (any version, or new content) match the query? */
  matches(resource: Resource): boolean;
}

// Chains and _has are refused when the scope is parsed (scope-query.ts), so nothing is ever resolved.
const noSubqueries: Resolver = async () => {
  throw new Error('a scope query has no chained parameters');
};
const noOracleSubqueries: OracleResolver = () => {
  throw new Error('a scope query has no chained parameters');
};

/** Compiles the filters of one scope's query for this repository call (`now` fixes `ap` and the like). */
export async function scopeMatch(filters: readonly FilterNode[], baseUrl: string, now: number = Date.now()): Promise<ScopeMatch> {
  const filter = await compileFilter({ filters: [...filters] }, noSubqueries, { baseUrl, now });
  const codes = [...new Set(filters.flatMap(paramCodes))];
  return {
    filter,
    matches(resource) {
      const sp: SearchIndex = {};
      for (const code of codes) {
        const def = searchParam(resource.resourceType, code);
        if (def) sp[code] = extractParam(def, resource, { baseUrl });
      }
      const lastUpdated = resource.meta?.lastUpdated;
      const doc = { _id: resource.id ?? '', lastUpdatedMs: lastUpdated ? Date.parse(lastUpdated) : NaN, deleted: false, sp };
      return matchesQuery(doc, { filters: [...filters] }, noOracleSubqueries, { baseUrl, now });
    },
  };
}

/** The parameters whose index values a filter reads (`_id` and `_lastUpdated` come from the resource itself). */
function paramCodes(node: FilterNode): string[] {
  if (node.kind === 'not') return paramCodes(node.inner);
  return 'param' in node ? [node.param.code] : [];
}
