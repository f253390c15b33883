/**
 * Index-only evaluation. When every condition of a filter is an equality (one value or `$in`) on an
 * indexed field, possibly inside top-level `$and`s, the matching ids are the intersection of the
 * index entries: found without reading a document, so a lookup that matches thousands costs
 * microseconds per match instead of a document walk each. Documents whose index keys are not exact
 * (Table.isExact) are checked against the filter itself.
 */
import type { Doc, Filter } from '../port';
import { isPrimitive, type Primitive } from './paths';
import { equalityConditions, type IndexPlan } from './plan';
import type { Table } from './table';

/** A filter that is one index entry: one value of an indexed field whose keys are all exact, optionally only ids after one. */
export interface IndexEntry {
  table: Table;
  field: string;
  value: Primitive;
  /** From a paging cursor's `_id: { $gt }`. */
  afterId?: string;
}

/**
 * The index entry `filter` amounts to, on a store of one layer (no transaction or unsynced commit on
 * top): its ids are then counted without reading them, and read in id order from the ordered index,
 * so the first page of a lookup matching thousands costs as much as one matching a few.
 */
export function indexEntry(layers: readonly Table[], filter: Filter): IndexEntry | null {
  if (layers.length !== 1) return null;
  const conjuncts = flatten(filter);
  if (!conjuncts) return null;
  let found: { field: string; value: Primitive } | undefined;
  let afterId: string | undefined;
  for (const [field, condition] of conjuncts) {
    const gt = field === '_id' && isSingleOperator(condition, '$gt') ? condition.$gt : undefined;
    if (typeof gt === 'string' && afterId === undefined) {
      afterId = gt;
      continue;
    }
    const value = singleValue(condition);
    if (found || field === '_id' || value === undefined) return null;
    found = { field, value };
  }
  const table = layers[0];
  if (!found || table.estimate(found.field, [found.value]) === Infinity || table.inexactIds(found.field).size > 0) return null;
  return { table, ...found, afterId };
}

/** The field conditions of `filter` and of its top-level `$and`s, or null when it holds other operators. */
function flatten(filter: Filter): [string, unknown][] | null {
  const out: [string, unknown][] = [];
  const visit = (f: Filter): boolean =>
    Object.keys(f).every((key) => {
      const condition = f[key];
      if (key === '$and') return Array.isArray(condition) && condition.every((sub) => sub !== null && typeof sub === 'object' && !Array.isArray(sub) && visit(sub as Filter));
      if (key.startsWith('$')) return false;
      out.push([key, condition]);
      return true;
    });
  return visit(filter) ? out : null;
}

function isSingleOperator(condition: unknown, op: string): condition is Record<string, unknown> {
  return condition !== null && typeof condition === 'object' && !Array.isArray(condition) && Object.keys(condition).length === 1 && op in condition;
}

/** The one value an equality condition requires (a value, `{ $eq }` or a one-value `{ $in }`). */
function singleValue(condition: unknown): Primitive | undefined {
  if (isPrimitive(condition)) return condition;
  if (isSingleOperator(condition, '$eq') && isPrimitive(condition.$eq)) return condition.$eq;
  if (isSingleOperator(condition, '$in') && Array.isArray(condition.$in) && condition.$in.length === 1 && isPrimitive(condition.$in[0])) return condition.$in[0];
  return undefined;
}

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
