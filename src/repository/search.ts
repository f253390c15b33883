/**
 * Runs a parsed search (search/ast.ts) against the current-version collections: compiles the filter,
 * reads one page in `_sort` order with keyset cursors, counts when asked, and applies the caller's
 * access policy. A system-level search walks the types in name order (type, then `_sort`, then id).
 * A caller restricted to a compartment or to consults (access/visible.ts) has its visibility filter
 * ANDed into each type's compiled filter, so pages, cursors and `total` count only what it may see.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Collections, Filter } from '../storage/port';
import type { SearchQuery } from '../search/ast';
import { compileFilter } from '../search/compile/index';
import { collectionResolver } from '../search/compile/resolver';
import type { AccessPolicy } from './access';
import type { Visible } from '../access/visible';
import { currentCollection, type CurrentDoc } from './documents';
import { cursorFilter, decodeSearchCursor, orderKeys, sortDocument, sortValuesOf, type SearchCursor } from './search-cursor';

export interface SearchOptions {
  baseUrl: string;
  /** Entries per page (already capped by the caller). */
  count: number;
  access: AccessPolicy;
  /** Every type that may hold resources (system-level search without `_type`). */
  allTypes: () => Promise<string[]>;
  /** The caller's instance-level restriction, when it has one. */
  visible?: Visible;
}

export interface SearchPage {
  matches: Resource[];
  total?: number;
  /** Cursors for the next and previous pages, when there are such pages. */
  next?: SearchCursor;
  previous?: SearchCursor;
}

/** One page of matches for `query`. */
export async function searchPage(db: Collections, query: SearchQuery, options: SearchOptions): Promise<SearchPage> {
  const types = (query.resourceType ? [query.resourceType] : (query.types ?? (await options.allTypes())).slice().sort()).filter((t) =>
    options.access.canReadType(t),
  );
  const resolve = collectionResolver((type) => db.collection(currentCollection(type)), { baseUrl: options.baseUrl });
  const filters = new Map<string, Filter>();
  for (const type of types) {
    const compiled = await compileFilter(query, resolve, { baseUrl: options.baseUrl });
    const scope = options.visible?.filter(type);
    filters.set(type, scope ? { $and: [compiled, scope] } : compiled);
  }

  const keys = orderKeys(query.sort);
  const cursor = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor, keys);
  const reverse = cursor?.direction === 'before';
  const ordered = reverse ? [...types].reverse() : types;
  const start = cursor ? ordered.indexOf(cursor.type) : 0;
  const found: { type: string; doc: CurrentDoc }[] = [];
  if (options.count > 0 && start >= 0) {
    for (const type of ordered.slice(start)) {
      const base = filters.get(type) as Filter;
      const filter = cursor && type === cursor.type ? { $and: [base, cursorFilter(keys, cursor)] } : base;
      const docs = await db
        .collection<CurrentDoc>(currentCollection(type))
        .find(filter, { sort: sortDocument(keys, reverse), limit: options.count + 1 - found.length });
      for (const doc of docs) found.push({ type, doc });
      if (found.length > options.count) break;
    }
  }
  const more = found.length > options.count;
  const page = found.slice(0, options.count);
  if (reverse) page.reverse();
  const edge = (entry: { type: string; doc: CurrentDoc } | undefined, direction: SearchCursor['direction']): SearchCursor | undefined =>
    entry && { direction, type: entry.type, values: sortValuesOf(entry.doc, keys) };
  const result: SearchPage = {
    matches: page.map((e) => e.doc.resource as Resource).filter((r) => options.access.canRead(r) && (!options.visible || options.visible.contains(r))),
    next: (reverse ? cursor !== undefined : more) ? edge(page.at(-1), 'after') : undefined,
    previous: (reverse ? more : cursor !== undefined) ? edge(page[0], 'before') : undefined,
  };
  if (query.total !== 'none') {
    const counts = await Promise.all(types.map((t) => db.collection(currentCollection(t)).countDocuments(filters.get(t) as Filter)));
    result.total = counts.reduce((a, b) => a + b, 0);
  }
  return result;
}
