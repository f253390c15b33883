/**
 * The embedded engine's in-memory state in two layers. `committed` is what readers outside a
 * transaction see: only writes whose journal record is durable. `pending` holds writes already
 * validated and journaled but not yet synced; writers (and transactions) see committed + pending,
 * so a write never validates against stale data, while readers never see a write that a crash
 * could still take back.
 */
import type { Doc, Sort } from '../port';
import { makeIndexSpec, type IndexSpec } from './indexes';
import { Schema, Table } from './table';
import { adoptParsed, Canon, define } from './frozen';
import { RecentObjects } from './recent';

/** How many values of a record's documents are remembered for finding repeats (a resource's current and history document are adjacent). */
const REPEATS_REMEMBERED = 1 << 16;

/** One change, as journaled. `put` inserts or replaces a whole document. */
export type Op =
  | { o: 'put'; c: string; doc: Doc; seq: number }
  | { o: 'del'; c: string; id: string }
  | { o: 'index'; c: string; keys: Sort; unique: boolean };

/**
 * A change as read back from a journal record. `same` lists the fields of a put's document that hold
 * the very object an earlier put of the record holds (a resource in its current and its history
 * document): [field, that op's index, its field]. Such a value is journaled once, as null in `d`
 * after that, and replay shares it again.
 */
export type StoredOp =
  | { o: 'put'; c: string; d: Doc; same?: Array<[field: string, op: number, from: string]> }
  | { o: 'del'; c: string; id: string }
  | { o: 'index'; c: string; keys: Sort; unique: boolean };

/** One collection as a snapshot holds it. */
export interface FrozenCollection {
  name: string;
  indexes: Array<{ keys: Sort; unique: boolean }>;
  docs: Doc[];
}

export type Layer = Map<string, Table>;

export class State {
  readonly schemas = new Map<string, Schema>();
  readonly committed: Layer = new Map();
  readonly pending: Layer = new Map();
  nextSeq = 1;
  /** Canonical small values shared by the stored documents (frozen.ts). */
  readonly canon = new Canon();
  /** The last journal record number assigned. */
  lastLsn = 0;

  schema(name: string): Schema {
    let schema = this.schemas.get(name);
    if (!schema) this.schemas.set(name, (schema = new Schema()));
    return schema;
  }

  /** The table for `name` in `layer`, created when missing. */
  table(layer: Layer, name: string): Table {
    let table = layer.get(name);
    // Only the committed layer is long-lived: the others index a field when a read first needs it.
    if (!table) layer.set(name, (table = new Table(this.schema(name), layer !== this.committed)));
    return table;
  }

  /** The existing tables for `name`, bottom first: committed, then pending (if `latest`), then `overlay`. */
  layers(name: string, latest: boolean, overlay?: Layer): Table[] {
    const out: Table[] = [];
    const c = this.committed.get(name);
    if (c) out.push(c);
    if (latest) {
      const p = this.pending.get(name);
      if (p && p.entries.size > 0) out.push(p);
    }
    const o = overlay?.get(name);
    if (o) out.push(o);
    return out;
  }

  /** Declares an index: every table of the collection builds its data now (idempotent). */
  declareIndex(name: string, spec: IndexSpec, overlays: Layer[] = []): void {
    const schema = this.schema(name);
    if (schema.specs.some((s) => s.name === spec.name)) return;
    schema.add(spec);
    this.table(this.committed, name).addIndex(spec);
    for (const layer of [this.pending, ...overlays]) layer.get(name)?.addIndex(spec);
  }

  /** Applies a durable record's changes to the committed layer and drops them from pending. */
  settle(lsn: number, ops: readonly Op[]): void {
    const names = new Set<string>();
    for (const op of ops) {
      if (op.o === 'put') this.put(op.c, op.doc, op.seq);
      else if (op.o === 'del') this.committed.get(op.c)?.delete(op.id);
      if (op.o !== 'index') names.add(op.c);
    }
    // A pending table holding nothing newer than this record goes whole (nothing to unindex one by one).
    const partly = new Set<string>();
    for (const name of names) {
      const table = this.pending.get(name);
      if (!table) continue;
      let newer = false;
      for (const entry of table.entries.values()) {
        if (entry.lsn > lsn) {
          newer = true;
          break;
        }
      }
      if (newer) partly.add(name);
      else this.pending.delete(name);
    }
    if (partly.size === 0) return;
    for (const op of ops) {
      if (op.o === 'index' || !partly.has(op.c)) continue;
      const table = this.pending.get(op.c);
      const id = op.o === 'put' ? op.doc._id : op.id;
      const entry = table?.entries.get(id);
      if (table && entry && entry.lsn <= lsn) table.delete(id);
    }
  }

  /**
   * Moves a committed transaction's overlay to the pending layer as record `lsn`: a collection with no
   * pending entries takes the overlay's table as it is (its entries and whatever it indexed).
   */
  stage(lsn: number, overlay: Layer): void {
    for (const [name, table] of overlay) {
      const pending = this.pending.get(name);
      if (!pending || pending.entries.size === 0) {
        for (const entry of table.entries.values()) entry.lsn = lsn;
        this.pending.set(name, table);
      } else {
        for (const [id, entry] of table.entries) pending.set(id, { doc: entry.doc, seq: entry.seq, lsn });
      }
    }
  }

  /** Re-applies a journaled record during recovery. */
  replay(ops: readonly StoredOp[]): void {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.o === 'put') {
        for (const [field, j, from] of op.same ?? []) {
          const source = j < i ? ops[j] : undefined;
          if (source?.o !== 'put' || !Object.hasOwn(source.d, from)) throw new Error(`op ${i} refers to ${from} of op ${j}, which is not an earlier document's`);
          define(op.d, field, (source.d as Record<string, unknown>)[from]);
        }
        this.put(op.c, adoptParsed(op.d, this.canon));
      }
      else if (op.o === 'del') this.committed.get(op.c)?.delete(op.id);
      else this.declareIndex(op.c, makeIndexSpec(op.keys, op.unique));
    }
  }

  /** Loads one collection from a snapshot. */
  load(collection: FrozenCollection): void {
    const table = this.table(this.committed, collection.name);
    for (const index of collection.indexes) this.declareIndex(collection.name, makeIndexSpec(index.keys, index.unique));
    for (const doc of collection.docs) table.set(doc._id, { doc: adoptParsed(doc, this.canon), seq: this.nextSeq++, lsn: 0 });
  }

  /** A point-in-time view of the committed layer for a snapshot (documents are never mutated in place). */
  freeze(): FrozenCollection[] {
    return [...this.committed.keys()].sort().map((name) => {
      const table = this.committed.get(name) as Table;
      return {
        name,
        indexes: table.schema.specs.map((s) => ({ keys: s.keys, unique: s.unique })),
        docs: Array.from(table.entries.values(), (e) => e.doc as Doc),
      };
    });
  }

  private put(name: string, doc: Doc, seq?: number): void {
    const table = this.table(this.committed, name);
    const existing = table.entries.get(doc._id);
    table.set(doc._id, { doc, seq: existing?.seq ?? seq ?? this.nextSeq++, lsn: 0 });
  }
}

/**
 * The journal text of one commit, in parts made as the journal writes them (journal.ts): its record
 * number, then each op, each document serialised on its own (stored documents are frozen, so they can
 * be serialised after the commit). No part is ever the text of the whole commit.
 */
export function encodeOps(lsn: number, ops: readonly Op[]): () => Iterable<string> {
  return function* () {
    const seen = new RecentObjects<[number, string]>(REPEATS_REMEMBERED);
    yield `{"lsn":${lsn},"ops":[`;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const comma = i === 0 ? '' : ',';
      if (op.o === 'put') {
        const { doc, same } = withoutRepeats(op.doc, i, seen);
        yield `${comma}{"o":"put","c":${JSON.stringify(op.c)},"d":`;
        yield JSON.stringify(doc);
        yield same ? `,"same":${JSON.stringify(same)}}` : '}';
      } else if (op.o === 'del') yield comma + JSON.stringify({ o: 'del', c: op.c, id: op.id });
      else yield comma + JSON.stringify({ o: 'index', c: op.c, keys: op.keys, unique: op.unique });
    }
    yield ']}';
  };
}

/**
 * `doc` as journaled in op `index` of a record: a field holding the very object an earlier op's field
 * holds is written as null and listed in `same` (see StoredOp). `seen` remembers the record's values.
 */
function withoutRepeats(doc: Doc, index: number, seen: RecentObjects<[number, string]>): { doc: Doc; same?: Array<[string, number, string]> } {
  let same: Array<[string, number, string]> | undefined;
  for (const key of Object.keys(doc)) {
    const value = (doc as Record<string, unknown>)[key];
    if (value === null || typeof value !== 'object') continue;
    const at = seen.get(value);
    if (at) (same ??= []).push([key, at[0], at[1]]);
    else seen.set(value, [index, key]);
  }
  if (!same) return { doc };
  const written = { ...doc };
  for (const [key] of same) define(written, key, null);
  return { doc: written, same };
}
