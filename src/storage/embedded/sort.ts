/**
 * Sorting with MongoDB semantics. mingo's own $sort is not used: it orders arrays by their first
 * element rather than by their smallest (ascending) or largest (descending) element as MongoDB does,
 * and it sorts a missing field before null where MongoDB treats them as equal.
 */
import type { Doc, Sort } from '../port';
import { compareValues } from './compare';
import { keyValues } from './paths';

/** The value MongoDB sorts `doc` by for one path and direction. */
export function sortKey(doc: Doc, segments: readonly string[], direction: 1 | -1): unknown {
  if (segments.length === 1) {
    const v = doc[segments[0]];
    if (v === undefined) return null;
    if (typeof v !== 'object' || v === null) return v;
  }
  const values = keyValues(doc, segments);
  let best = values[0];
  for (let i = 1; i < values.length; i++) {
    const c = compareValues(values[i], best);
    if (direction === 1 ? c < 0 : c > 0) best = values[i];
  }
  return best;
}

/**
 * Returns `docs` ordered by `sort` (a new array), keeping only the first `keep` when given (a
 * bounded insertion sort then, much cheaper than sorting everything for one page). The sort is
 * stable, so ties keep the input order (the collection's natural order): paging is deterministic.
 */
export function sortDocs(docs: readonly Doc[], sort: Sort, keep = Infinity): Doc[] {
  const fields = Object.keys(sort);
  if (fields.length === 0 || docs.length < 2) return docs.slice(0, keep);
  const segments = fields.map((f) => f.split('.'));
  const directions = fields.map((f) => (sort[f] === -1 ? -1 : 1));
  const n = fields.length;
  const keyed = (doc: Doc) => {
    const keys = new Array<unknown>(n);
    for (let i = 0; i < n; i++) keys[i] = sortKey(doc, segments[i], directions[i]);
    return { doc, keys };
  };
  const compare = (x: { keys: unknown[] }, y: { keys: unknown[] }) => {
    for (let i = 0; i < n; i++) {
      const c = compareValues(x.keys[i], y.keys[i]);
      if (c !== 0) return directions[i] === 1 ? c : -c;
    }
    return 0;
  };
  return firstInOrder(docs.map(keyed), compare, keep).map((k) => k.doc);
}

/**
 * The first `k` items in `compare` order (stable: ties keep their input order). A bounded insertion
 * sort when `k` is small next to the input, which is much cheaper than sorting everything for a page.
 */
export function firstInOrder<T>(items: readonly T[], compare: (a: T, b: T) => number, k: number): T[] {
  if (k * 8 >= items.length) return items.slice().sort(compare).slice(0, k);
  const kept: T[] = [];
  for (const item of items) {
    if (kept.length === k && compare(item, kept[k - 1]) >= 0) continue;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(item, kept[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    kept.splice(lo, 0, item);
    if (kept.length > k) kept.pop();
  }
  return kept;
}
