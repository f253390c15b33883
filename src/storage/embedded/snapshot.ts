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
import { decodeFrames, encodeRecord } from './record';
import type { FrozenCollection } from './state';

const FORMAT = 1;
/** Documents per record; serialising one chunk is the longest the event loop waits (a few ms). */
const CHUNK_DOCS = 256;
const FLUSH_BYTES = 4 << 20;

type SnapshotRecord =
  | { k: 'head'; format: number; gen: number; lsn: number }
  | { k: 'coll'; c: string; indexes: FrozenCollection['indexes'] }
  | { k: 'docs'; c: string; d: Doc[] }
  | { k: 'end'; docs: number };

export interface Snapshot {
  lsn: number;
  collections: FrozenCollection[];
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
      const frame = encodeRecord(JSON.stringify(record));
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
    await emit({ k: 'head', format: FORMAT, gen, lsn });
    for (const c of collections) {
      await emit({ k: 'coll', c: c.name, indexes: c.indexes });
      for (let i = 0; i < c.docs.length; i += CHUNK_DOCS) {
        await emit({ k: 'docs', c: c.name, d: c.docs.slice(i, i + CHUNK_DOCS) });
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

/** Reads a snapshot; any damage is a StoreCorruptError (a snapshot in place was complete when renamed). */
export async function readSnapshot(file: string): Promise<Snapshot> {
  const buf = await fs.readFile(file);
  const { bodies, validEnd } = decodeFrames(buf);
  if (validEnd !== buf.length) throw new StoreCorruptError(file, `invalid record at byte ${validEnd} of ${buf.length}`);
  const records = bodies.map((b) => JSON.parse(b.toString('utf8')) as SnapshotRecord);
  const head = records[0];
  const end = records[records.length - 1];
  if (head?.k !== 'head' || head.format !== FORMAT) throw new StoreCorruptError(file, 'missing or unknown snapshot header');
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
      for (const d of r.d) c.docs.push(d);
      total += r.d.length;
    } else {
      throw new StoreCorruptError(file, `unexpected ${r.k} record`);
    }
  }
  if (total !== end.docs) throw new StoreCorruptError(file, `holds ${total} documents but its end record says ${end.docs}`);
  return { lsn: head.lsn, collections };
}
