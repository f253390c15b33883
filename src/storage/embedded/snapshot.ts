/**
 * Snapshots: the whole committed state as a sequence of framed records (head, per collection its
 * index declarations and documents in chunks, end). Written to a temp file as it is serialised
 * (so a large store neither blocks the event loop for long nor exists in memory as text), fsynced,
 * renamed into place, and the directory fsynced. A snapshot without its end record is never renamed into place, so one that is in place
 * but damaged is reported rather than ignored.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { StoreCorruptError } from '../errors';
import type { Doc } from '../port';
import { fsyncDir, snapshotPath } from './files';
import { decodeFrames, RECORD_MAGIC } from './record';
import { FrameWriter } from './frame-writer';
import { define } from './frozen';
import { RecentObjects } from './recent';
import type { FrozenCollection } from './state';

/** 2: docs records may list repeated values (`same`); a Relay that reads only 1 refuses it instead of losing them. */
const FORMAT = 2;
const READABLE = new Set([1, FORMAT]);
/** Documents per record; serialising one chunk is the longest the event loop waits (a few ms). */
const CHUNK_DOCS = 256;
/** The largest single write. */
const CHUNK_BYTES = 4 << 20;

type SnapshotRecord =
  | { k: 'head'; format: number; gen: number; lsn: number }
  | { k: 'coll'; c: string; indexes: FrozenCollection['indexes'] }
  | { k: 'docs'; c: string; d: Doc[]; same?: SnapshotRepeat[] }
  | { k: 'end'; docs: number };

/**
 * A field of document `doc` of a docs record (null there) holding the very object that field `from`
 * of document `index` of collection `c` (written before it) holds: a resource in its current and its
 * history document is written once, and loading shares it again.
 */
type SnapshotRepeat = [doc: number, field: string, c: string, index: number, from: string];

export interface Snapshot {
  lsn: number;
  collections: FrozenCollection[];
}

/** Writes generation `gen`'s snapshot durably; returns its size in bytes. */
export async function writeSnapshot(dir: string, gen: number, lsn: number, collections: readonly FrozenCollection[]): Promise<number> {
  const final = snapshotPath(dir, gen);
  const temp = `${final}.tmp`;
  const handle = await fs.open(temp, 'w');
  let bytes: number;
  try {
    // Documents are serialised one at a time into one reused buffer (frame-writer.ts): the snapshot
    // of a large store is never in memory as text or bytes.
    const out = new FrameWriter(handle, 0, Buffer.allocUnsafeSlow(CHUNK_BYTES));
    const emit = async (record: SnapshotRecord) => {
      await out.beginFrame(RECORD_MAGIC);
      await out.text(JSON.stringify(record));
      await out.endFrame();
    };
    let total = 0;
    await emit({ k: 'head', format: FORMAT, gen, lsn });
    const seen = new Seen(collections);
    for (const c of collections) {
      await emit({ k: 'coll', c: c.name, indexes: c.indexes });
      for (let i = 0; i < c.docs.length; i += CHUNK_DOCS) {
        await out.beginFrame(RECORD_MAGIC);
        await out.text(`{"k":"docs","c":${JSON.stringify(c.name)},"d":[`);
        const end = Math.min(c.docs.length, i + CHUNK_DOCS);
        const same: SnapshotRepeat[] = [];
        for (let j = i; j < end; j++) await out.text((j === i ? '' : ',') + JSON.stringify(seen.written(c.docs[j], j - i, same)));
        await out.text(same.length > 0 ? `],"same":${JSON.stringify(same)}}` : ']}');
        await out.endFrame();
        await new Promise((resolve) => setImmediate(resolve));
      }
      total += c.docs.length;
    }
    await emit({ k: 'end', docs: total });
    bytes = await out.finish();
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, final);
  await fsyncDir(path.dirname(final));
  return bytes;
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
  let total = 0;
  for (const r of records.slice(1, -1)) {
    if (r.k === 'coll') {
      const c: FrozenCollection = { name: r.c, indexes: r.indexes, docs: [] };
      collections.push(c);
      byName.set(r.c, c);
    } else if (r.k === 'docs') {
      const c = byName.get(r.c);
      if (!c) throw new StoreCorruptError(file, `documents for undeclared collection ${r.c}`);
      const base = c.docs.length;
      for (const d of r.d) c.docs.push(d);
      for (const [doc, field, name, index, from] of r.same ?? []) {
        const target = byName.get(name)?.docs[index];
        const earlier = name !== r.c || index < base + doc;
        if (!r.d[doc] || !target || !earlier || !Object.hasOwn(target, from)) throw new StoreCorruptError(file, `a document of ${r.c} refers to ${from} of document ${index} of ${name}, which was not written before it`);
        define(r.d[doc], field, (target as Record<string, unknown>)[from]);
      }
      total += r.d.length;
    } else {
      throw new StoreCorruptError(file, `unexpected ${r.k} record`);
    }
  }
  if (total !== end.docs) throw new StoreCorruptError(file, `holds ${total} documents but its end record says ${end.docs}`);
  return { lsn: head.lsn, collections };
}

/**
 * The objects held directly by the fields of the documents written so far (stored documents share
 * them: frozen.ts), so that a later field holding one is written as a reference to the first.
 */
class Seen {
  /**
   * Object → its first holder: (position of the document in the snapshot) × 64 + the field's position
   * in it. Bounded: a history collection is written right after its resource type's collection.
   */
  private readonly first = new RecentObjects<number>(1 << 19);
  private readonly starts: number[] = [];
  private position = 0;

  constructor(private readonly collections: readonly FrozenCollection[]) {
    let start = 0;
    for (const c of collections) {
      this.starts.push(start);
      start += c.docs.length;
    }
  }

  /** `doc` as written at `slot` of its record: repeated fields null, listed in `same`. */
  written(doc: Doc, slot: number, same: SnapshotRepeat[]): Doc {
    const position = this.position++;
    const keys = Object.keys(doc);
    let out: Doc | undefined;
    for (let i = 0; i < keys.length; i++) {
      const value = (doc as Record<string, unknown>)[keys[i]];
      if (value === null || typeof value !== 'object') continue;
      const at = this.first.get(value);
      if (at === undefined) {
        if (i < 64) this.first.set(value, position * 64 + i);
        continue;
      }
      const [c, index] = this.locate(Math.floor(at / 64));
      same.push([slot, keys[i], c.name, index, Object.keys(c.docs[index])[at % 64]]);
      define((out ??= { ...doc }), keys[i], null);
    }
    return out ?? doc;
  }

  /** The collection and index of the document at `position`. */
  private locate(position: number): [FrozenCollection, number] {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    return [this.collections[lo], position - this.starts[lo]];
  }
}
