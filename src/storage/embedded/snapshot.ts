/**
 * Snapshots: the whole committed state as a sequence of framed records (head, per collection its
 * index declarations and documents in chunks, end). Written to a temp file in chunks (so a large
 * store does not block the event loop for long), fsynced, renamed into place, and the directory
 * fsynced. A snapshot without its end record is never renamed into place, so one that is in place
 * but damaged is reported rather than ignored.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { StoreCorruptError } from '../errors';
import type { Doc } from '../port';
import { fsyncDir, snapshotPath } from './files';
import { heapBudget } from '../../runtime/heap';
import { decodeFrames, encodeRecord } from './record';
import type { FrozenCollection } from './state';
import { docJson, fieldIdentity, withNullFields } from './spill';

/** 2: a `docs` record may write an object an earlier document of the snapshot holds as a reference (`s`); 1 still reads. */
const FORMAT = 2;
const READABLE = new Set([1, 2]);
/** Documents per record; serialising one chunk is the longest the event loop waits (a few ms). */
const CHUNK_DOCS = 256;
const FLUSH_BYTES = 4 << 20;

type SnapshotRecord =
  | { k: 'head'; format: number; gen: number; lsn: number }
  | { k: 'coll'; c: string; indexes: FrozenCollection['indexes'] }
  | { k: 'docs'; c: string; d: Doc[]; s?: SnapshotRef[] }
  | { k: 'end'; docs: number };

/** [index in the record's documents, its field (written as null), collection, _id and field of the document that holds the object]. */
type SnapshotRef = [number, string, string, string, string];

/**
 * Writes once an object that several documents hold (the resource of a current document and of its
 * history entry, frozen.ts): a later holder gets null and a reference. Objects are
 * remembered per collection, and only while the collections written after it start with its name
 * (collections are written in name order, so `Patient`'s objects are known to `Patient_history`), which
 * bounds the memory to the documents of one such family.
 */
class SharedAcrossCollections {
  private family: { name: string; seen: Map<object, [string, string, string]> }[] = [];

  enter(name: string): void {
    this.family = this.family.filter((c) => name.startsWith(c.name));
    this.family.push({ name, seen: new Map() });
  }

  encode(docs: readonly Doc[]): { d: Doc[]; s?: SnapshotRef[] } {
    const current = this.family[this.family.length - 1];
    let refs: SnapshotRef[] | undefined;
    const d = docs.map((doc, i) => {
      let nulled: Set<string> | undefined;
      for (const field of Object.keys(doc)) {
        const value = fieldIdentity(doc, field);
        if (value === null || typeof value !== 'object') continue;
        const holder = this.holderOf(value);
        if (holder) {
          (nulled ??= new Set()).add(field);
          (refs ??= []).push([i, field, ...holder]);
        } else current.seen.set(value, [current.name, doc._id, field]);
      }
      return nulled ? withNullFields(doc, nulled) : doc;
    });
    return refs ? { d, s: refs } : { d };
  }

  private holderOf(value: object): [string, string, string] | undefined {
    for (const c of this.family) {
      const found = c.seen.get(value);
      if (found) return found;
    }
    return undefined;
  }
}

export interface Snapshot {
  lsn: number;
  collections: FrozenCollection[];
}

/** JSON.stringify(record), documents with spilled fields written from their spilled JSON (spill.ts docJson). */
function recordJson(record: SnapshotRecord): string {
  if (record.k !== 'docs') return JSON.stringify(record);
  const docs = record.d.map(docJson).join(',');
  return `{"k":"docs","c":${JSON.stringify(record.c)},"d":[${docs}]${record.s ? `,"s":${JSON.stringify(record.s)}` : ''}}`;
}

/** Writes generation `gen`'s snapshot durably; returns its size in bytes. */
export async function writeSnapshot(dir: string, gen: number, lsn: number, collections: readonly FrozenCollection[]): Promise<number> {
  const final = snapshotPath(dir, gen);
  const temp = `${final}.tmp`;
  const handle = await fs.open(temp, 'w');
  let bytes = 0;
  try {
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    const emit = async (record: SnapshotRecord) => {
      const frame = encodeRecord(recordJson(record));
      buffered.push(frame);
      bufferedBytes += frame.length;
      if (bufferedBytes >= FLUSH_BYTES) await flush();
    };
    const flush = async () => {
      const buf = Buffer.concat(buffered);
      buffered = [];
      bufferedBytes = 0;
      let offset = 0;
      while (offset < buf.length) offset += (await handle.write(buf, offset, buf.length - offset)).bytesWritten;
      bytes += buf.length;
    };
    let total = 0;
    const shared = new SharedAcrossCollections();
    await emit({ k: 'head', format: FORMAT, gen, lsn });
    for (const c of collections) {
      await emit({ k: 'coll', c: c.name, indexes: c.indexes });
      shared.enter(c.name);
      for (let i = 0; i < c.docs.length; i += CHUNK_DOCS) {
        await emit({ k: 'docs', c: c.name, ...shared.encode(c.docs.slice(i, i + CHUNK_DOCS)) });
        heapBudget.check();
        await new Promise((resolve) => setImmediate(resolve));
      }
      total += c.docs.length;
    }
    await emit({ k: 'end', docs: total });
    await flush();
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, final);
  await fsyncDir(path.dirname(final));
  return bytes;
}

/** Puts back into `docs` the object one reference names; a reference no earlier document answers is damage. */
function resolveRef(file: string, docs: Doc[], ref: unknown, byId: ReadonlyMap<string, ReadonlyMap<string, Doc>>): void {
  const [i, field, collection, id, holderField] = Array.isArray(ref) ? (ref as unknown[]) : [];
  const target = typeof i === 'number' ? (docs[i] as Record<string, unknown> | undefined) : undefined;
  const holder = typeof collection === 'string' && typeof id === 'string' ? (byId.get(collection)?.get(id) as Record<string, unknown> | undefined) : undefined;
  const value = holder && typeof holderField === 'string' ? holder[holderField] : undefined;
  if (!target || typeof field !== 'string' || target[field] !== null || value === null || typeof value !== 'object') {
    throw new StoreCorruptError(file, `a shared-object reference ${JSON.stringify(ref)} names no object an earlier document holds`);
  }
  target[field] = value;
}

/** Reads a snapshot; any damage is a StoreCorruptError (a snapshot in place was complete when renamed). */
export async function readSnapshot(file: string): Promise<Snapshot> {
  const buf = await fs.readFile(file);
  const { bodies, validEnd } = decodeFrames(buf);
  if (validEnd !== buf.length) throw new StoreCorruptError(file, `invalid record at byte ${validEnd} of ${buf.length}`);
  const records = bodies.map((b) => JSON.parse(b.toString('utf8')) as SnapshotRecord);
  const head = records[0];
  const end = records[records.length - 1];
  if (head?.k !== 'head' || !READABLE.has(head.format)) throw new StoreCorruptError(file, 'missing or unknown snapshot header');
  if (end?.k !== 'end') throw new StoreCorruptError(file, 'missing end record');
  const collections: FrozenCollection[] = [];
  const byName = new Map<string, FrozenCollection>();
  // Documents by collection and _id, for the references of later records; dropped once read.
  const byId = new Map<string, Map<string, Doc>>();
  let total = 0;
  for (const r of records.slice(1, -1)) {
    if (r.k === 'coll') {
      const c: FrozenCollection = { name: r.c, indexes: r.indexes, docs: [] };
      collections.push(c);
      byName.set(r.c, c);
      byId.set(r.c, new Map());
    } else if (r.k === 'docs') {
      const c = byName.get(r.c);
      if (!c) throw new StoreCorruptError(file, `documents for undeclared collection ${r.c}`);
      for (const ref of r.s ?? []) resolveRef(file, r.d, ref, byId);
      const ids = byId.get(r.c) as Map<string, Doc>;
      for (const d of r.d) {
        c.docs.push(d);
        ids.set(d._id, d);
      }
      total += r.d.length;
    } else {
      throw new StoreCorruptError(file, `unexpected ${r.k} record`);
    }
  }
  if (total !== end.docs) throw new StoreCorruptError(file, `holds ${total} documents but its end record says ${end.docs}`);
  return { lsn: head.lsn, collections };
}
