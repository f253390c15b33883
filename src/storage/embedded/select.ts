/**
 * Reads over a stack of layers (committed state at the bottom, overlays above): the topmost entry for
 * an _id wins, tombstones hide documents, and results come in natural order (insertion order, kept
 * by replacements) unless a sort is given. Returned documents are the stored objects: callers clone.
 */
import type { Doc, Filter, Sort } from '../port';
import { compileFilter } from './mingo';
import { choosePlan, type Plan } from './plan';
import { firstInOrder, sortDocs } from './sort';
import { compareValues } from './compare';
import { coveredIds, indexEntry, shadowed } from './covered';
import type { Entry, Table } from './table';

export interface SelectOptions {
  sort?: Sort;
  skip?: number;
  limit?: number;
}

/** The stored documents matching `filter` across `layers` (bottom first), ordered and paged. */
export function select(layers: readonly Table[], filter: Filter, options: SelectOptions = {}): Doc[] {
  const skip = options.skip ?? 0;
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const sort = options.sort !== undefined && Object.keys(options.sort).length > 0 ? options.sort : undefined;
  const entry = sort && isIdSort(sort) && sort._id === 1 ? indexEntry(layers, filter) : null;
  if (entry) {
    const ids = entry.table.idsInOrder(entry.field, entry.value, entry.afterId, skip + limit).slice(skip);
    return ids.map((id) => entry.table.entries.get(id)?.doc as Doc);
  }
  const covered = isIdLookup(filter) ? null : coveredIds(layers, filter, lazyMatcher(filter), !isIdSort(sort));
  let ordered: Doc[];
  if (covered) {
    remember(layers, filter, covered);
    ordered = orderCovered(layers, covered, sort, skip + limit);
  } else {
    const docs = matching(layers, filter, sort ? Infinity : skip + limit);
    ordered = sort ? sortDocs(docs, sort, skip + limit) : docs;
  }
  return skip === 0 && ordered.length <= limit ? ordered : ordered.slice(skip, skip + limit);
}

/** Counts the documents matching `filter` across `layers`. */
export function count(layers: readonly Table[], filter: Filter): number {
  if (layers.length === 1 && Object.keys(filter).length === 0) return layers[0].count;
  const entry = indexEntry(layers, filter);
  if (entry && entry.afterId === undefined) return entry.table.estimate(entry.field, [entry.value]);
  const known = recall(layers, filter);
  if (known) return known.length;
  const covered = isIdLookup(filter) ? null : coveredIds(layers, filter, lazyMatcher(filter));
  if (covered) return covered.length;
  let n = 0;
  forEachMatch(layers, filter, Infinity, () => n++);
  return n;
}

/**
 * The matches of the last find answered from the indexes, for a count of the same filter that comes
 * next with nothing changed in between (a search reads its page, then its total): the count then
 * costs nothing. Tables are held weakly (a transaction's may be large and short-lived).
 */
let lastCovered: { tables: WeakRef<Table>[]; versions: number[]; filter: Filter; key: string; ids: string[] } | undefined;
const REMEMBERED_MAX = 50_000;

function remember(layers: readonly Table[], filter: Filter, ids: string[]): void {
  const key = ids.length > REMEMBERED_MAX ? undefined : filterKey(filter);
  lastCovered = key === undefined ? undefined : { tables: layers.map((t) => new WeakRef(t)), versions: layers.map((t) => t.version), filter, key, ids };
}

/** The remembered matches of `filter` if they still hold: the same filter object, unchanged, over the same unchanged tables. */
function recall(layers: readonly Table[], filter: Filter): string[] | undefined {
  const last = lastCovered;
  if (!last || last.filter !== filter || last.tables.length !== layers.length) return undefined;
  for (let i = 0; i < layers.length; i++) if (last.tables[i].deref() !== layers[i] || last.versions[i] !== layers[i].version) return undefined;
  return filterKey(filter) === last.key ? last.ids : undefined;
}

/** The filter as text, regular expressions included (the object may have been changed since it was remembered); undefined when it has no such text. */
function filterKey(filter: Filter): string | undefined {
  try {
    return JSON.stringify(filter, (_key, value: unknown) => (value instanceof RegExp ? { $regex: value.source, $options: value.flags } : value));
  } catch {
    return undefined;
  }
}

/** The first `keep` documents of index-only matches in `sort` order (natural order without one); by id alone, no document is read to order them. */
function orderCovered(layers: readonly Table[], ids: string[], sort: Sort | undefined, keep: number): Doc[] {
  const docOf = (id: string) => getEntry(layers, id)?.doc as Doc;
  if (sort && isIdSort(sort)) {
    const direction = sort._id === -1 ? -1 : 1;
    return firstInOrder(ids, (a, b) => direction * compareValues(a, b), keep).map(docOf);
  }
  // Natural order first: it breaks the ties of any other sort.
  const entries = ids.map((id) => getEntry(layers, id) as Entry);
  entries.sort((a, b) => a.seq - b.seq);
  const docs = entries.map((e) => e.doc as Doc);
  return sort ? sortDocs(docs, sort, keep) : docs.slice(0, keep);
}

function isIdSort(sort: Sort | undefined): boolean {
  const fields = sort ? Object.keys(sort) : [];
  return fields.length === 1 && fields[0] === '_id';
}

function isIdLookup(filter: Filter): boolean {
  const keys = Object.keys(filter);
  return keys.length === 1 && keys[0] === '_id' && typeof filter._id === 'string';
}

/** The filter's matcher, compiled on first use (index-only evaluation rarely needs it). */
function lazyMatcher(filter: Filter): (doc: Doc) => boolean {
  let matches: ((doc: Doc) => boolean) | undefined;
  return (doc) => (matches ??= compileFilter(filter))(doc);
}

/** The entry currently visible for `id`, if any. */
export function getEntry(layers: readonly Table[], id: string): Entry | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const entry = layers[i].entries.get(id);
    if (entry) return entry.doc ? entry : undefined;
  }
  return undefined;
}

/** Matching documents in natural order, stopping after `enough` when that is known to be safe. */
function matching(layers: readonly Table[], filter: Filter, enough: number): Doc[] {
  const found: Entry[] = [];
  const natural = forEachMatch(layers, filter, enough, (entry) => found.push(entry));
  if (!natural && found.length > 1) found.sort((a, b) => a.seq - b.seq);
  return found.map((e) => e.doc as Doc);
}

/**
 * Calls `visit` for each visible entry matching `filter` (at most `enough` of them when they come in
 * natural order). Returns whether they came in natural order: a scan of one layer does; index
 * lookups and several layers do not.
 */
function forEachMatch(layers: readonly Table[], filter: Filter, enough: number, visit: (entry: Entry) => void): boolean {
  if (layers.length === 0 || enough <= 0) return true;
  if (isIdLookup(filter)) {
    const entry = getEntry(layers, filter._id as string);
    if (entry) visit(entry);
    return true;
  }
  const matches = compileFilter(filter);
  const bottom = layers[0];
  const half = bottom.count / 2;
  const estimate = (p: Plan) => ('values' in p ? bottom.estimate(p.field, p.values) : bottom.estimateRange(p.field, p.range, half));
  const plan = choosePlan(filter, estimate);
  const usePlan = plan !== null && ((plan.field === '_id' && 'values' in plan) || estimate(plan) < half);
  if (layers.length === 1 && !usePlan) {
    let n = 0;
    for (const entry of bottom.entries.values()) {
      if (entry.doc && matches(entry.doc)) {
        visit(entry);
        if (++n >= enough) break;
      }
    }
    return true;
  }
  for (let i = 0; i < layers.length; i++) {
    for (const id of candidates(layers[i], usePlan ? plan : null)) {
      if (shadowed(layers, i, id)) continue;
      const entry = layers[i].entries.get(id);
      if (entry?.doc && matches(entry.doc)) visit(entry);
    }
  }
  return false;
}

function candidates(table: Table, plan: Plan | null): Iterable<string> {
  if (!plan) return table.entries.keys();
  if (!('values' in plan)) return table.lookupRange(plan.field, plan.range);
  if (table.estimate(plan.field, plan.values) === Infinity) return table.entries.keys();
  const ids = table.lookup(plan.field, plan.values);
  return plan.element ? new Set([...ids, ...table.inexactIds(plan.field)]) : ids;
}

