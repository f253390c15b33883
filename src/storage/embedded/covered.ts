/**
 * Index-only evaluation. When every condition of a filter is an equality (one value or `$in`) on an
 * indexed field, possibly inside top-level `$and`s, the matching ids are the intersection of the
 * index entries: found without reading a document, so a lookup that matches thousands costs
 * microseconds per match instead of a document walk each. Documents whose index keys are not exact
 * (Table.isExact) are checked against the filter itself.
 */
import type { Doc, Filter } from '../port';
import { equalityConditions, type IndexPlan } from './plan';
import type { Table } from './table';

/**
 * The ids (unordered, each once) matching `filter` across `layers`, or null when the filter is not
 * index-only, or (with `narrowOnly`) when its most selective condition still holds half the
 * collection: a scan in natural order, which can stop early, is then the better way to a page.
 */
export function coveredIds(layers: readonly Table[], filter: Filter, check: (doc: Doc) => boolean, narrowOnly = false): string[] | null {
  const conditions = equalityConditions(filter);
  if (!conditions || conditions.length === 0 || layers.length === 0) return null;
  const bottom = layers[0];
  const sized = conditions.map((c) => ({ c, size: bottom.estimate(c.field, c.values) }));
  if (sized.some((s) => s.size === Infinity)) return null;
  sized.sort((a, b) => a.size - b.size);
  if (narrowOnly && sized[0].size * 2 >= bottom.count) return null;
  const [driver, ...others] = sized.map((s) => s.c);
  const out: string[] = [];
  for (let i = 0; i < layers.length; i++) {
    const table = layers[i];
    for (const id of table.lookup(driver.field, driver.values)) {
      if (driver.field === '_id' && !table.entries.get(id)?.doc) continue;
      if (shadowed(layers, i, id) || !others.every((c) => table.holds(c.field, c.values, id))) continue;
      if (!conditions.every((c: IndexPlan) => table.isExact(c.field, id)) && !check(table.entries.get(id)?.doc as Doc)) continue;
      out.push(id);
    }
  }
  return out;
}

/** Whether a layer above `below` has its own entry (a newer version or a tombstone) for `id`. */
export function shadowed(layers: readonly Table[], below: number, id: string): boolean {
  for (let j = below + 1; j < layers.length; j++) if (layers[j].entries.has(id)) return true;
  return false;
}
