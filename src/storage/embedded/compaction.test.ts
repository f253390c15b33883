import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { journalPath, listDataFiles } from './files';
import { openEmbeddedStore } from './store';

describe('compaction', () => {
  let dir: string;
  let logs: string[];
  const open = (compactBytes: number) => openEmbeddedStore({ dataDir: dir, journalCompactBytes: compactBytes, log: (m) => logs.push(m) });

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-compaction-'));
    logs = [];
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('snapshots when the journal outgrows its limit, shrinks the journal, and reopens with the same data', async () => {
    const store = await open(64 * 1024);
    const c = store.collection('c');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.createIndex({ group: 1 });
    for (let i = 0; i < 600; i++) await c.insertOne({ _id: `d${String(i).padStart(4, '0')}`, k: i, group: i % 7, pad: 'x'.repeat(200) });
    for (let i = 0; i < 600; i += 3) await c.replaceOne({ _id: `d${String(i).padStart(4, '0')}` }, { _id: `d${String(i).padStart(4, '0')}`, k: i, group: 99 });
    await c.deleteMany({ group: 5 });
    await store.compacted();
    expect(store.stats().generation).toBeGreaterThan(1);
    expect(logs.some((l) => /compacted .* into snapshot/.test(l))).toBe(true);
    const files = await listDataFiles(dir);
    expect(files.snapshots).toEqual([store.stats().generation]);
    expect(files.journals).toEqual([store.stats().generation]);
    const journalBytes = (await fs.stat(journalPath(dir, store.stats().generation))).size;
    expect(journalBytes).toBeLessThan(64 * 1024 + 1024);
    const deleted = Array.from({ length: 600 }, (_, i) => i).filter((i) => i % 3 !== 0 && i % 7 === 5).length;
    const expected = await c.find({}, { sort: { _id: 1 } });
    const natural = await c.find({});
    expect(expected.length).toBe(600 - deleted);
    await store.close();

    const reopened = await open(64 * 1024);
    const again = reopened.collection('c');
    expect(await again.find({}, { sort: { _id: 1 } })).toEqual(expected);
    expect(await again.countDocuments({ group: 99 })).toBe(200);
    await expect(again.insertOne({ _id: 'new', k: 3 })).rejects.toThrow(/duplicate key/);
    expect(await again.find({})).toEqual(natural);
    await reopened.close();
  });

  it('keeps writes made while the snapshot is being written', async () => {
    const store = await open(2 ** 40);
    await store.transaction(async (tx) => {
      for (let i = 0; i < 5000; i++) await tx.collection('c').insertOne({ _id: `a${i}`, pad: 'y'.repeat(100) });
    });
    await store.close();
    const small = await open(1024);
    const during = Array.from({ length: 50 }, (_, i) => small.collection('c').insertOne({ _id: `during${i}` }));
    await Promise.all(during);
    await small.compacted();
    await small.close();
    const reopened = await open(2 ** 40);
    expect(await reopened.collection('c').countDocuments({})).toBe(5050);
    expect(await reopened.collection('c').countDocuments({ _id: { $regex: '^during' } })).toBe(50);
    await reopened.close();
  });

  it('compacts at start-up when the journal left behind is over the limit, so it is not replayed again', async () => {
    const store = await open(2 ** 40);
    for (let i = 0; i < 200; i++) await store.collection('c').insertOne({ _id: `k${i}`, pad: 'z'.repeat(100) });
    await store.close();
    const reopened = await open(4096);
    await reopened.compacted();
    expect(reopened.stats().generation).toBe(1);
    expect((await fs.stat(journalPath(dir, 1))).size).toBe(0);
    expect(await reopened.collection('c').countDocuments({})).toBe(200);
    await reopened.close();
  });
});
