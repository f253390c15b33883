/**
 * One collection within one layer of state: documents by _id plus the equality and unique index data
 * for the collection's declared indexes. The committed layer holds documents only; overlay layers
 * (uncommitted transactions, commits awaiting their fsync) also hold tombstones (doc null).
 */
import BTree from 'sorted-btree';
import type { Doc } from '../port';
import { compareValues } from './compare';
import { makeIndexSpec, uniqueKeys, type IndexSpec } from './indexes';
import type { KeyRange } from './plan';
import { equalityKeys, isPrimitive, type Primitive } from './paths';
import { readable } from './spill';
import type { Sort } from '../port';

export interface Entry {
  /** null marks a deletion in an overlay layer. */
  doc: Doc | null;
  /** Natural-order position: assigned at first insertion, kept by replacements. */
  seq: number;
  /** In the pending layer, the journal record that last wrote this entry. */
  lsn: number;
}

/** The index declarations of one collection, shared by its tables in every layer. */
export class Schema {
  readonly specs: IndexSpec[] = [];
  /** Field path → path segments, for every field that has an equality index. */
  readonly fields = new Map<string, string[]>();

  /** The declaration with these keys, if any. */
  find(keys: Sort): IndexSpec | undefined {
    const name = makeIndexSpec(keys, false).name;
    return this.specs.find((s) => s.name === name);
  }

  add(spec: IndexSpec): void {
    this.specs.push(spec);
    spec.fields.forEach((f, i) => this.fields.set(f, spec.segments[i]));
  }
}

export class Table {
  readonly entries = new Map<string, Entry>();
  private live = 0;
  /** Field → value → the id holding it (a Set once several do: most values are held by one id). */
  private readonly equality = new Map<string, Map<Primitive, string | Set<string>>>();
  /** Field → ids whose keys there may hold more than an equality filter matches (see plainPath). */
  private readonly inexact = new Map<string, Set<string>>();
  /** Field → its keys in order, as [key, id] pairs: built the first time a range is looked up there, then kept. */
  private readonly ordered = new Map<string, BTree<OrderedKey, true>>();
  private readonly unique = new Map<string, Map<string, string>>();
  private changes = 0;

  constructor(readonly schema: Schema) {
    for (const spec of schema.specs) this.addIndex(spec);
  }

  /** Number of documents (tombstones excluded). */
  get count(): number {
    return this.live;
  }

  /** Changes with every set or delete: what was read from this table still holds while it stays the same. */
  get version(): number {
    return this.changes;
  }

  set(id: string, entry: Entry): void {
    this.changes++;
    const old = this.entries.get(id);
    if (old?.doc) this.unindex(id, old.doc);
    this.entries.set(id, entry);
    if (entry.doc) this.index(id, entry.doc);
    this.live += (entry.doc ? 1 : 0) - (old?.doc ? 1 : 0);
  }

  delete(id: string): void {
    const old = this.entries.get(id);
    if (!old) return;
    this.changes++;
    if (old.doc) {
      this.unindex(id, old.doc);
      this.live--;
    }
    this.entries.delete(id);
  }

  /** Builds index data for a newly declared index over the documents already here. */
  addIndex(spec: IndexSpec): void {
    for (let i = 0; i < spec.fields.length; i++) {
      const field = spec.fields[i];
      if (this.equality.has(field)) continue;
      const map = new Map<Primitive, string | Set<string>>();
      this.equality.set(field, map);
      this.inexact.set(field, new Set());
      for (const [id, entry] of this.entries) if (entry.doc) this.indexField(field, spec.segments[i], id, entry.doc);
    }
    if (spec.unique && !this.unique.has(spec.name)) {
      const map = new Map<string, string>();
      this.unique.set(spec.name, map);
      for (const [id, entry] of this.entries) if (entry.doc) for (const key of uniqueKeys(entry.doc, spec)) map.set(key, id);
    }
  }

  /** How many ids the equality index on `field` holds for `values` (an upper bound on matches). */
  estimate(field: string, values: readonly Primitive[]): number {
    if (field === '_id') return values.length;
    const map = this.equality.get(field);
    if (!map) return Infinity;
    let n = 0;
    for (const v of values) {
      const ids = map.get(v);
      n += ids === undefined ? 0 : typeof ids === 'string' ? 1 : ids.size;
    }
    return n;
  }

  /** Ids whose document may hold one of `values` at `field`, via the index. */
  lookup(field: string, values: readonly Primitive[]): Iterable<string> {
    if (field === '_id') return values.filter((v): v is string => typeof v === 'string' && this.entries.has(v));
    const map = this.equality.get(field);
    if (!map) throw new Error(`bug: no equality index on ${field}`);
    if (values.length === 1) {
      const ids = map.get(values[0]);
      return ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids;
    }
    const out = new Set<string>();
    for (const v of values) {
      const ids = map.get(v);
      if (typeof ids === 'string') out.add(ids);
      else if (ids) for (const id of ids) out.add(id);
    }
    return out;
  }

  /**
   * How many keys of `field` lie in `range` (an upper bound on the matching ids), counting no further
   * than `cap`: Infinity when the field has no index or the range holds more than `cap`.
   */
  estimateRange(field: string, range: KeyRange, cap: number): number {
    if (field === '_id' || !this.equality.has(field)) return Infinity;
    let n = (this.inexact.get(field)?.size ?? 0);
    const done = this.forRange(field, range, () => ++n > cap);
    return done ? n : Infinity;
  }

  /** Up to `limit` ids holding `value` at `field`, in id order, after `afterId` when given (from the ordered index). */
  idsInOrder(field: string, value: Primitive, afterId: string | undefined, limit: number): string[] {
    const out: string[] = [];
    if (limit <= 0) return out;
    for (const [[key, id]] of this.orderedIndex(field).entries([value, afterId ?? ''])) {
      if (key !== value) break;
      if (id === afterId) continue;
      out.push(id);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Ids whose keys at `field` are not exact (see plainPath). */
  inexactIds(field: string): ReadonlySet<string> {
    return this.inexact.get(field) ?? new Set();
  }

  /** Ids whose document may hold a key in `range` at `field`: those with such a key, and those whose keys are not exact. */
  lookupRange(field: string, range: KeyRange): Set<string> {
    const ids = new Set<string>(this.inexact.get(field));
    this.forRange(field, range, (id) => {
      ids.add(id);
      return false;
    });
    return ids;
  }

  /** Calls `visit` with the id of each key in `range` in order until it answers true; false if it did. */
  private forRange(field: string, range: KeyRange, visit: (id: string) => boolean): boolean {
    const tree = this.orderedIndex(field);
    const type = typeof (range.low ?? range.high)?.value;
    const start: OrderedKey = [range.low ? range.low.value : type === 'number' ? -Infinity : '', ''];
    for (const [[key, id]] of tree.entries(start)) {
      if (typeof key !== type) break;
      if (range.low && !range.low.inclusive && key === range.low.value) continue;
      if (range.high) {
        const c = compareValues(key, range.high.value);
        if (c > 0 || (c === 0 && !range.high.inclusive)) break;
      }
      if (visit(id)) return false;
    }
    return true;
  }

  private orderedIndex(field: string): BTree<OrderedKey, true> {
    let tree = this.ordered.get(field);
    if (tree) return tree;
    tree = new BTree<OrderedKey, true>(undefined, compareKeys);
    const segments = this.schema.fields.get(field) as string[];
    for (const [id, entry] of this.entries) if (entry.doc) forEachEqualityKey(entry.doc, segments, (k) => tree?.set([k, id], true));
    this.ordered.set(field, tree);
    return tree;
  }

  /** Whether the document `id` of this table holds one of `values` at `field` by its equality index. */
  holds(field: string, values: readonly Primitive[], id: string): boolean {
    if (field === '_id') return values.includes(id) && this.entries.get(id)?.doc != null;
    const map = this.equality.get(field);
    if (!map) throw new Error(`bug: no equality index on ${field}`);
    for (const v of values) {
      const ids = map.get(v);
      if (ids === id || (typeof ids === 'object' && ids.has(id))) return true;
    }
    return false;
  }

  /**
   * Whether the index keys of document `id` at `field` are exactly what an equality filter matches
   * there. They are for a path through at most one array and no nested arrays, which is the shape
   * of every search index field; other documents must be checked against the filter itself.
   */
  isExact(field: string, id: string): boolean {
    return field === '_id' || !this.inexact.get(field)?.has(id);
  }

  /** The id that holds `key` in unique index `spec` within this table, if any. */
  uniqueOwner(spec: IndexSpec, key: string): string | undefined {
    return this.unique.get(spec.name)?.get(key);
  }

  private index(id: string, stored: Doc): void {
    const doc = readable(stored);
    for (const [field, segments] of this.schema.fields) if (this.equality.has(field)) this.indexField(field, segments, id, doc);
    for (const spec of this.schema.specs) {
      const map = spec.unique ? this.unique.get(spec.name) : undefined;
      if (map) for (const key of uniqueKeys(doc, spec)) map.set(key, id);
    }
  }

  private indexField(field: string, segments: readonly string[], id: string, doc: Doc): void {
    addEquality(this.equality.get(field) as Map<Primitive, string | Set<string>>, id, doc, segments);
    if (!plainPath(doc, segments, 0, 0)) this.inexact.get(field)?.add(id);
    const tree = this.ordered.get(field);
    if (tree) forEachEqualityKey(doc, segments, (k) => tree.set([k, id], true));
  }

  private unindex(id: string, stored: Doc): void {
    const doc = readable(stored);
    for (const [field, segments] of this.schema.fields) {
      const map = this.equality.get(field);
      if (!map) continue;
      this.inexact.get(field)?.delete(id);
      const tree = this.ordered.get(field);
      if (tree) forEachEqualityKey(doc, segments, (k) => tree.delete([k, id]));
      forEachEqualityKey(doc, segments, (k) => {
        const ids = map.get(k);
        if (ids === id) map.delete(k);
        else if (typeof ids === 'object') {
          ids.delete(id);
          if (ids.size === 1) map.set(k, ids.values().next().value as string);
        }
      });
    }
    for (const spec of this.schema.specs) {
      const map = spec.unique ? this.unique.get(spec.name) : undefined;
      if (map) for (const key of uniqueKeys(doc, spec)) if (map.get(key) === id) map.delete(key);
    }
  }
}

type OrderedKey = [key: Primitive, id: string];

/** MongoDB's order of the keys, then the ids. */
function compareKeys(a: OrderedKey, b: OrderedKey): number {
  return compareValues(a[0], b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

const DIGITS = /^\d+$/;

/**
 * True when the path meets at most one array on the way, holding only objects (scalars there are read
 * differently by mingo inside $elemMatch) unless it ends the path, and names no array position.
 */
function plainPath(value: unknown, segments: readonly string[], i: number, arrays: number): boolean {
  if (Array.isArray(value)) {
    if (arrays > 0) return false;
    const end = i === segments.length;
    for (const el of value) {
      if (Array.isArray(el)) return false;
      if (el === null || typeof el !== 'object') {
        if (!end) return false;
      } else if (!plainPath(el, segments, i, 1)) return false;
    }
    return true;
  }
  if (i === segments.length || value === null || typeof value !== 'object') return true;
  if (DIGITS.test(segments[i])) return false;
  return plainPath((value as Record<string, unknown>)[segments[i]], segments, i + 1, arrays);
}

function addEquality(map: Map<Primitive, string | Set<string>>, id: string, doc: Doc, segments: readonly string[]): void {
  forEachEqualityKey(doc, segments, (k) => {
    const ids = map.get(k);
    if (ids === undefined) map.set(k, id);
    else if (typeof ids === 'string') {
      if (ids !== id) map.set(k, new Set([ids, id]));
    } else ids.add(id);
  });
}

/** Calls `fn` once per distinct equality key of `doc` at the path (no allocation for a plain value). */
function forEachEqualityKey(doc: Doc, segments: readonly string[], fn: (key: Primitive) => void): void {
  let value: unknown = doc;
  for (let i = 0; i < segments.length; i++) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const keys = new Set<Primitive>();
      equalityKeys(value, segments, i, keys);
      keys.forEach(fn);
      return;
    }
    value = (value as Record<string, unknown>)[segments[i]];
  }
  if (isPrimitive(value)) fn(value);
  else if (Array.isArray(value)) {
    const keys = new Set<Primitive>();
    equalityKeys(value, segments, segments.length, keys);
    keys.forEach(fn);
  }
}
