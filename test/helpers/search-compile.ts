/**
 * Runs a query string against a handful of stored documents in memory, both through the compiled
 * MongoDB filter (evaluated by the embedded engine's mingo bridge) and through the oracle, and
 * checks that they agree. Unit tests then assert on the expected ids.
 */
import type { FilterNode, Resolver } from '../../src/search/ast';
import { compileFilter } from '../../src/search/compile';
import type { IndexValue } from '../../src/search/index-values';
import { matchesQuery, type MatchDoc, type OracleResolver } from '../../src/search/match';
import { parseSearch } from '../../src/search/parse';
import { compileFilter as toMatcher } from '../../src/storage/embedded/mingo';
import type { Doc, Filter } from '../../src/storage/port';

export const BASE = 'https://relay.example/fhir';
export const NOW = Date.UTC(2021, 0, 1);

/**
 * A stored current-version document with the given index values. A deleted one keeps none, as the
 * repository stores it (repository/documents.ts): the values given show what it held before.
 */
export function stored(id: string, sp: Record<string, IndexValue[]>, extra: Partial<MatchDoc> = {}): MatchDoc & Doc {
  const doc = { _id: id, lastUpdatedMs: 0, deleted: false, sp, ...extra };
  if (doc.deleted) delete (doc as Partial<MatchDoc>).sp;
  return doc;
}

export interface Outcome {
  ids: string[];
  filter: Filter;
}

/** Parses `query` for `type` (strict), compiles it, and returns the ids the engine matches (asserting the oracle agrees). */
export async function run(
  type: string,
  query: Record<string, string | string[]>,
  docs: (MatchDoc & Doc)[],
  resolve: Resolver = async () => [],
  oracleResolve: OracleResolver = () => [],
): Promise<Outcome> {
  const params = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const { query: parsed } = parseSearch(type, params, { strict: true });
  const options = { baseUrl: BASE, now: NOW };
  const filter = await compileFilter(parsed, resolve, options);
  const matcher = toMatcher(filter);
  const ids = docs.filter((d) => matcher(d)).map((d) => d._id);
  const oracle = docs.filter((d) => matchesQuery(d, parsed, oracleResolve, options)).map((d) => d._id);
  expect({ query, ids }).toEqual({ query, ids: oracle });
  return { ids, filter };
}

/** The filter nodes of a parsed query (strict). */
export function nodes(type: string, query: Record<string, string>): FilterNode[] {
  return parseSearch(type, Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])), { strict: true }).query.filters;
}
