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
import { Interner } from './intern';
import { SharedFields } from './shared-ops';
import { crc32 } from 'node:zlib';
import type { LazyRecord } from './record';
import { docJson, type SpillArea } from './spill';

/** One change, as journaled. `put` inserts or replaces a whole document. */
export type Op =
  | { o: 'put'; c: string; doc: Doc; seq: number }
  | { o: 'del'; c: string; id: string }
  | { o: 'index'; c: string; keys: Sort; unique: boolean };

/** A change as read back from a journal record. */
export type StoredOp = { o: 'put'; c: string; d: Doc } | { o: 'del'; c: string; id: string } | { o: 'index'; c: string; keys: Sort; unique: boolean };

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
  /** One instance of each short string the stored documents hold, whether written or recovered. */
  readonly strings = new Interner();
  /** The last journal record number assigned. */
  lastLsn = 0;
  /** Where large transactions put their resources (spill.ts); none during recovery. */
  spill: SpillArea | undefined;

  schema(name: string): Schema {
    let schema = this.schemas.get(name);
    if (!schema) this.schemas.set(name, (schema = new Schema()));
    return schema;
  }

  /** The table for `name` in `layer`, created when missing. */
  table(layer: Layer, name: string): Table {
    let table = layer.get(name);
    if (!table) layer.set(name, (table = new Table(this.schema(name))));
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
    for (const op of ops) {
      if (op.o === 'put') this.put(op.c, op.doc, op.seq);
      else if (op.o === 'del') this.committed.get(op.c)?.delete(op.id);
    }
    const settled = new Set<string>();
    for (const op of ops) if (op.o !== 'index') settled.add(op.c);
    for (const name of settled) {
      const table = this.pending.get(name);
      if (!table) continue;
      // Records settle in order, so entries up to `lsn` are all settled: a table holding nothing newer goes whole, unindexed.
      if (newestLsn(table) <= lsn) this.pending.delete(name);
      else for (const op of ops) if (op.o !== 'index' && op.c === name) dropSettled(table, op.o === 'put' ? op.doc._id : op.id, lsn);
    }
  }

  /** Re-applies a journaled record during recovery. */
  replay(ops: readonly StoredOp[]): void {
    for (const op of ops) {
      if (op.o === 'put') {
        this.strings.internAll(op.d);
        this.put(op.c, op.d);
      }
      else if (op.o === 'del') this.committed.get(op.c)?.delete(op.id);
      else this.declareIndex(op.c, makeIndexSpec(op.keys, op.unique));
    }
  }

  /** Loads one collection from a snapshot. */
  load(collection: FrozenCollection): void {
    const table = this.table(this.committed, collection.name);
    for (const index of collection.indexes) this.declareIndex(collection.name, makeIndexSpec(index.keys, index.unique));
    for (const doc of collection.docs) {
      this.strings.internAll(doc);
      table.set(doc._id, { doc, seq: this.nextSeq++, lsn: 0 });
    }
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

function newestLsn(table: Table): number {
  let newest = 0;
  for (const entry of table.entries.values()) if (entry.lsn > newest) newest = entry.lsn;
  return newest;
}

function dropSettled(table: Table, id: string, lsn: number): void {
  const entry = table.entries.get(id);
  if (entry && entry.lsn <= lsn) table.delete(id);
}

/**
 * The journal payload for one commit: its record number and its ops as JSON, each document
 * serialised on its own (stored documents are frozen, so they can be serialised at commit), an object
 * two documents share written once (shared-ops.ts). Up to LAZY_FROM_BYTES it is one UTF-8 Buffer,
 * the texts written straight into it. A larger commit is not kept at all: it is measured here and made
 * again, piece by piece, while the journal writes it (the same frozen documents give the same text), so
 * a large import's commit costs a second serialisation instead of its size in memory.
 */
export function encodeOps(lsn: number, ops: readonly Op[]): Buffer[] | LazyRecord {
  const kept: string[] = [];
  let length = 0;
  let crc = 0;
  for (const text of opTexts(lsn, ops)) {
    length += Buffer.byteLength(text, 'utf8');
    crc = crc32(text, crc);
    if (length <= LAZY_FROM_BYTES) kept.push(text);
  }
  if (length > LAZY_FROM_BYTES) return { pieces: () => opTexts(lsn, ops), length, crc };
  const bytes = Buffer.allocUnsafe(length);
  let offset = 0;
  for (const text of kept) offset += bytes.write(text, offset, 'utf8');
  return [bytes];
}

/** Commits up to this size are kept as bytes until written. */
export const LAZY_FROM_BYTES = 16 << 20;

function* opTexts(lsn: number, ops: readonly Op[]): Generator<string> {
  yield `{"lsn":${lsn},"ops":[`;
  const shared = new SharedFields();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const comma = i === 0 ? '' : ',';
    if (op.o === 'put') {
      const { doc, refs } = shared.encode(i, op.doc);
      yield `${comma}{"o":"put","c":${JSON.stringify(op.c)},"d":${docJson(doc)}${refs ? `,"s":${JSON.stringify(refs)}` : ''}}`;
    } else if (op.o === 'del') yield comma + JSON.stringify({ o: 'del', c: op.c, id: op.id });
    else yield comma + JSON.stringify({ o: 'index', c: op.c, keys: op.keys, unique: op.unique });
  }
  yield ']}';
}
