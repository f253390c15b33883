/**
 * Start-up recovery: load the newest snapshot, replay the journals of its generation and later ones
 * (their records must continue its record numbers without a gap), cut a torn last record off the
 * newest journal, and delete files that a completed compaction made obsolete. Whatever step a crash
 * interrupted, this yields the state of every record that was durable.
 */
import fs from 'node:fs/promises';
import { StoreCorruptError } from '../errors';
import { fsyncDir, journalPath, listDataFiles, removeIfExists, snapshotPath } from './files';
import { BATCH_MAGIC, decodeFrameAt, decodeFrames, RECORD_MAGIC } from './record';
import { readSnapshot } from './snapshot';
import { resolveShared } from './shared-ops';
import type { State, StoredOp } from './state';

export interface Recovered {
  /** The generation whose journal receives new records. */
  gen: number;
  /** Records replayed from journals. */
  replayed: number;
}

/** Rebuilds `state` from the files in `dir`. */
export async function recover(dir: string, state: State, log: (msg: string) => void): Promise<Recovered> {
  const files = await listDataFiles(dir);
  for (const temp of files.temps) await removeIfExists(temp);
  const base = files.snapshots.length > 0 ? files.snapshots[files.snapshots.length - 1] : 0;
  if (files.snapshots.length > 0) {
    const snapshot = await readSnapshot(snapshotPath(dir, base));
    for (const c of snapshot.collections) state.load(c);
    state.lastLsn = snapshot.lsn;
  }
  const journals = files.journals.filter((g) => g >= base);
  journals.forEach((g, i) => {
    if (g !== base + i) throw new StoreCorruptError(journalPath(dir, g), `journal generation ${base + i} is missing before it`);
  });
  let replayed = 0;
  for (let i = 0; i < journals.length; i++) {
    replayed += await replayJournal(journalPath(dir, journals[i]), state, i === journals.length - 1, log);
  }
  const gen = journals.length > 0 ? journals[journals.length - 1] : base;
  if (journals.length === 0) {
    await (await fs.open(journalPath(dir, gen), 'a')).close();
  }
  const obsolete = [...files.snapshots.filter((g) => g < base).map((g) => snapshotPath(dir, g)), ...files.journals.filter((g) => g < base).map((g) => journalPath(dir, g))];
  for (const file of obsolete) await removeIfExists(file);
  if (obsolete.length > 0 || journals.length === 0 || files.temps.length > 0) await fsyncDir(dir);
  return { gen, replayed };
}

/**
 * Replays one journal. Its batches (one per write+fsync) are checked first: an invalid batch with
 * valid ones after it is damage (a batch is written only after the one before it was synced), while
 * an invalid last batch is a write that a crash interrupted before it was acknowledged.
 */
async function replayJournal(file: string, state: State, last: boolean, log: (msg: string) => void): Promise<number> {
  const buf = await fs.readFile(file);
  const { bodies, validEnd, damagedAt } = decodeFrames(buf, BATCH_MAGIC);
  if (damagedAt !== undefined) throw new StoreCorruptError(file, `the batch at byte ${damagedAt} is invalid but valid batches follow it`);
  if (validEnd < buf.length && !last) throw new StoreCorruptError(file, `invalid batch at byte ${validEnd}, in a journal that is not the newest`);
  if (validEnd < buf.length && decodeFrameAt(buf, validEnd, RECORD_MAGIC)) {
    throw new StoreCorruptError(file, `byte ${validEnd} starts a record outside any batch (a journal from an earlier development format?)`);
  }
  let replayed = 0;
  for (const body of bodies) {
    const records = decodeFrames(body, RECORD_MAGIC);
    if (records.validEnd !== body.length) throw new StoreCorruptError(file, 'a batch passed its checksum but its records do not');
    for (const payload of records.bodies) {
      let record: { lsn: number; ops: StoredOp[] };
      try {
        record = JSON.parse(payload.toString('utf8')) as { lsn: number; ops: StoredOp[] };
      } catch {
        throw new StoreCorruptError(file, 'a record passed its checksum but is not JSON');
      }
      if (record.lsn !== state.lastLsn + 1) throw new StoreCorruptError(file, `record number ${record.lsn} follows ${state.lastLsn}`);
      try {
        resolveShared(record.ops);
      } catch (err) {
        throw new StoreCorruptError(file, `record ${record.lsn}: ${(err as Error).message}`);
      }
      state.replay(record.ops);
      state.lastLsn = record.lsn;
      replayed++;
    }
  }
  if (validEnd < buf.length) {
    const handle = await fs.open(file, 'r+');
    try {
      await handle.truncate(validEnd);
      await handle.sync();
    } finally {
      await handle.close();
    }
    log(`recovered ${file}: ignored a torn last write (${buf.length - validEnd} bytes after byte ${validEnd}) that a crash interrupted; it was never acknowledged`);
  }
  return replayed;
}
