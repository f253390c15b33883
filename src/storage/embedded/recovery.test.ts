import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreCorruptError } from '../errors';
import { journalPath, listDataFiles, snapshotPath } from './files';
import { BATCH_MAGIC, encodeFrame, encodeRecord } from './record';
import { writeSnapshot } from './snapshot';
import { openEmbeddedStore, type EmbeddedStore } from './store';

const BIG = 2 ** 40;

/** One journal write: a batch frame holding these records. */
const batch = (...records: object[]) => encodeFrame(Buffer.concat(records.map((r) => encodeRecord(JSON.stringify(r)))), BATCH_MAGIC);
const put = (lsn: number, id: string) => ({ lsn, ops: [{ o: 'put', c: 'c', d: { _id: id } }] });

describe('crash recovery', () => {
  let dir: string;
  let logs: string[];
  const open = (compactBytes = BIG) => openEmbeddedStore({ dataDir: dir, journalCompactBytes: compactBytes, log: (m) => logs.push(m) });
  const all = async (store: EmbeddedStore, name = 'c') => (await store.collection(name).find({}, { sort: { _id: 1 } })).map((d) => d._id);

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-recovery-'));
    logs = [];
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  async function seedAndClose(): Promise<{ journal: string; goodSize: number }> {
    const store = await open();
    await store.collection('c').insertOne({ _id: 'a' });
    await store.collection('c').insertOne({ _id: 'b' });
    await store.close();
    const journal = journalPath(dir, 0);
    return { journal, goodSize: (await fs.stat(journal)).size };
  }

  it('ignores a torn last record, truncates the journal to the last good record, and keeps working', async () => {
    const { journal, goodSize } = await seedAndClose();
    const torn = batch(put(3, 'torn'));
    await fs.appendFile(journal, torn.subarray(0, torn.length - 5));
    const store = await open();
    expect(await all(store)).toEqual(['a', 'b']);
    expect((await fs.stat(journal)).size).toBe(goodSize);
    expect(logs.join('\n')).toMatch(/ignored a torn last write/);
    await store.collection('c').insertOne({ _id: 'c' });
    await store.close();
    const again = await open();
    expect(await all(again)).toEqual(['a', 'b', 'c']);
    await again.close();
  });

  it('ignores raw garbage and zero-filled blocks after the last record', async () => {
    const { journal, goodSize } = await seedAndClose();
    await fs.appendFile(journal, Buffer.concat([Buffer.from('\u0000garbage\xff'), Buffer.alloc(8192)]));
    const store = await open();
    expect(await all(store)).toEqual(['a', 'b']);
    expect((await fs.stat(journal)).size).toBe(goodSize);
    await store.close();
  });

  it('loses a multi-document transaction entirely when its record is torn', async () => {
    const store = await open();
    await store.collection('c').insertOne({ _id: 'before' });
    await store.transaction(async (tx) => {
      await tx.collection('c').insertOne({ _id: 't1' });
      await tx.collection('c').deleteOne({ _id: 'before' });
      await tx.collection('d').insertOne({ _id: 't2', big: 'x'.repeat(10_000) });
    });
    expect(await all(store)).toEqual(['t1']);
    await store.close();
    const journal = journalPath(dir, 0);
    const { size } = await fs.stat(journal);
    for (const cut of [1, 100, 5_000, 10_000]) {
      const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-recovery-cut-'));
      await fs.writeFile(journalPath(copy, 0), (await fs.readFile(journal)).subarray(0, size - cut));
      const reopened = await openEmbeddedStore({ dataDir: copy, journalCompactBytes: BIG });
      expect(await all(reopened)).toEqual(['before']);
      expect(await reopened.collection('d').countDocuments({})).toBe(0);
      await reopened.close();
      await fs.rm(copy, { recursive: true, force: true });
    }
    const intact = await open();
    expect(await all(intact)).toEqual(['t1']);
    expect(await intact.collection('d').countDocuments({})).toBe(1);
    await intact.close();
  });

  it('ignores a whole torn group commit even when the storage kept its later records and lost an earlier one', async () => {
    const { journal, goodSize } = await seedAndClose();
    const write = batch(put(3, 'x'), put(4, 'y'), put(5, 'z'));
    write.fill(0, 12, 40);
    await fs.appendFile(journal, write);
    const store = await open();
    expect(await all(store)).toEqual(['a', 'b']);
    expect((await fs.stat(journal)).size).toBe(goodSize);
    await store.close();
  });

  it('refuses to open when a record in the middle is damaged, rather than dropping later data', async () => {
    const { journal } = await seedAndClose();
    const bytes = await fs.readFile(journal);
    bytes[20] ^= 0xff;
    await fs.writeFile(journal, bytes);
    await expect(open()).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(open()).rejects.toThrow(/journal-000000000000\.log is damaged: the batch at byte 0 is invalid but valid batches follow it/);
    expect(await fs.readFile(journal)).toEqual(bytes);
  });

  it('refuses, instead of truncating, a journal holding records outside batches (an older format)', async () => {
    await fs.writeFile(journalPath(dir, 0), Buffer.concat([encodeRecord(JSON.stringify(put(1, 'a'))), encodeRecord(JSON.stringify(put(2, 'b')))]));
    await expect(open()).rejects.toThrow(/starts a record outside any batch/);
    expect((await fs.stat(journalPath(dir, 0))).size).toBeGreaterThan(0);
  });

  it('refuses a journal whose record numbers skip (a lost record)', async () => {
    const { journal } = await seedAndClose();
    await fs.appendFile(journal, batch({ lsn: 9, ops: [] }));
    await expect(open()).rejects.toThrow(/record number 9 follows 2/);
  });

  describe('crash points of compaction', () => {
    async function stateAtEndOfGeneration0() {
      const store = await open();
      await store.collection('c').createIndex({ k: 1 }, { unique: true });
      await store.collection('c').insertOne({ _id: 'a', k: 1 });
      await store.collection('c').insertOne({ _id: 'b', k: 2 });
      await store.close();
      return { lsn: 3, collections: [{ name: 'c', indexes: [{ keys: { k: 1 as const }, unique: true }], docs: [{ _id: 'a', k: 1 }, { _id: 'b', k: 2 }] }] };
    }

    async function expectIntact(extra: string[] = []) {
      const store = await open();
      expect(await all(store)).toEqual(['a', 'b', ...extra]);
      await expect(store.collection('c').insertOne({ _id: 'z', k: 1 })).rejects.toThrow(/duplicate key/);
      await store.close();
      return listDataFiles(dir);
    }

    it('new journal created, snapshot only half written (temp file): replays both journals', async () => {
      await stateAtEndOfGeneration0();
      await fs.writeFile(journalPath(dir, 1), batch({ lsn: 4, ops: [{ o: 'put', c: 'c', d: { _id: 'c', k: 3 } }] }));
      await fs.writeFile(`${snapshotPath(dir, 1)}.tmp`, Buffer.from('partial snapshot'));
      const files = await expectIntact(['c']);
      expect(files).toEqual({ journals: [0, 1], snapshots: [], temps: [] });
    });

    it('snapshot renamed into place, old journal not yet deleted: uses the snapshot and deletes the old files', async () => {
      const snap = await stateAtEndOfGeneration0();
      await fs.writeFile(journalPath(dir, 1), batch({ lsn: 4, ops: [{ o: 'put', c: 'c', d: { _id: 'c', k: 3 } }] }));
      await writeSnapshot(dir, 1, snap.lsn, snap.collections);
      const files = await expectIntact(['c']);
      expect(files).toEqual({ journals: [1], snapshots: [1], temps: [] });
    });

    it('snapshot written but the journal never switched: starts the new journal after the snapshot', async () => {
      const snap = await stateAtEndOfGeneration0();
      await writeSnapshot(dir, 1, snap.lsn, snap.collections);
      const files = await expectIntact();
      expect(files).toEqual({ journals: [1], snapshots: [1], temps: [] });
    });

    it('refuses a damaged snapshot that is in place', async () => {
      const snap = await stateAtEndOfGeneration0();
      await writeSnapshot(dir, 1, snap.lsn, snap.collections);
      const file = snapshotPath(dir, 1);
      const bytes = await fs.readFile(file);
      await fs.writeFile(file, bytes.subarray(0, bytes.length - 3));
      await expect(open()).rejects.toBeInstanceOf(StoreCorruptError);
    });

    it('refuses a gap in the journal generations', async () => {
      await stateAtEndOfGeneration0();
      await fs.writeFile(journalPath(dir, 2), '');
      await expect(open()).rejects.toThrow(/journal generation 1 is missing/);
    });
  });
});
