/**
 * Reads over a stack of layers (committed state at the bottom, overlays above): the topmost entry for
 * an _id wins, tombstones hide documents, and results come in natural order (insertion order, kept
 * by replacements) unless a sort is given. Returned documents are the stored objects: callers clone.
 */
import type { Doc, Filter, Sort } from '../port';
import { compileFilter } from './mingo';
import { choosePlan, type IndexPlan } from './plan';
import { sortDocs } from './sort';
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
  const sorted = options.sort !== undefined && Object.keys(options.sort).length > 0;
  const docs = matching(layers, filter, sorted ? Infinity : skip + limit);
  const ordered = sorted ? sortDocs(docs, options.sort as Sort, skip + limit) : docs;
  return skip === 0 && ordered.length <= limit ? ordered : ordered.slice(skip, skip + limit);
}

/** Counts the documents matching `filter` across `layers`. */
export function count(layers: readonly Table[], filter: Filter): number {
  if (layers.length === 1 && Object.keys(filter).length === 0) return layers[0].count;
  return matching(layers, filter, Infinity).length;
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
  if (layers.length === 0) return [];
  const keys = Object.keys(filter);
  if (keys.length === 1 && keys[0] === '_id' && typeof filter._id === 'string') {
    const entry = getEntry(layers, filter._id);
    return entry?.doc && enough > 0 ? [entry.doc] : [];
  }
  const matches = compileFilter(filter);
  const bottom = layers[0];
  const plan = choosePlan(filter, (field, values) => bottom.estimate(field, values));
  const usePlan = plan !== null && (plan.field === '_id' || bottom.estimate(plan.field, plan.values) < bottom.count / 2);
  if (layers.length === 1 && !usePlan) {
    const out: Doc[] = [];
    if (enough <= 0) return out;
    for (const entry of bottom.entries.values()) {
      if (entry.doc && matches(entry.doc)) {
        out.push(entry.doc);
        if (out.length >= enough) break;
      }
    }
    return out;
  }
  const found: Entry[] = [];
  for (let i = 0; i < layers.length; i++) {
    for (const id of candidates(layers[i], usePlan ? plan : null)) {
      if (shadowed(layers, i, id)) continue;
      const entry = layers[i].entries.get(id);
      if (entry?.doc && matches(entry.doc)) found.push(entry);
    }
  }
  if (found.length > 1) found.sort((a, b) => a.seq - b.seq);
  return found.map((e) => e.doc as Doc);
}

function candidates(table: Table, plan: IndexPlan | null): Iterable<string> {
  if (!plan) return table.entries.keys();
  return table.estimate(plan.field, plan.values) === Infinity ? table.entries.keys() : table.lookup(plan.field, plan.values);
}

function shadowed(layers: readonly Table[], below: number, id: string): boolean {
  for (let j = below + 1; j < layers.length; j++) if (layers[j].entries.has(id)) return true;
  return false;
}
