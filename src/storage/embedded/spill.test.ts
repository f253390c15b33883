import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Doc } from '../port';
import { journalPath } from './files';
import { defineSpilled, docJson, fieldIdentity, SpillFile, withNullFields } from './spill';
import { openEmbeddedStore, type EmbeddedStore } from './store';

type Stored = Doc & { resource?: Record<string, unknown>; sp?: unknown; n?: number };

describe('resources of large transactions kept on disk (spill.ts)', () => {
  let dir: string;
  const stores: EmbeddedStore[] = [];
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-spill-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  const open = async (spillFromBytes: number, journalCompactBytes = 2 ** 40) => {
    const store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes, spillFromBytes, log: () => {} });
    stores.push(store);
    return store;
  };
  const closeAll = async () => {
    for (const s of stores.splice(0)) await s.close();
  };
  const resourceOf = (i: number) => ({ resourceType: 'Observation', id: `o${i}`, status: 'final', note: [{ text: `note ${i} ✓ ${'x'.repeat(i % 7)}` }], valueQuantity: { value: i / 3 } });

  /** Writes `count` resources in one transaction as the repository does: a current document and a history entry holding the same object. */
  const importOnce = (store: EmbeddedStore, count: number, from = 0) =>
    store.transaction(async (tx) => {
      for (let i = from; i < from + count; i++) {
        const resource = resourceOf(i);
        await tx.collection('Observation').insertOne({ _id: `o${i}`, resource, sp: { status: [{ c: 'final' }] }, n: i });
        await tx.collection('Observation_history').insertOne({ _id: `o${i}/1`, resource, n: i });
      }
    });

  it('keeps resources and search values past the bound in the spill file, and reads, filters, sorts and copies them as before', async () => {
    const store = await open(4096);
    await store.collection('Observation').createIndex({ 'sp.status.c': 1 });
    await importOnce(store, 200);
    expect(store.stats().spillBytes).toBeGreaterThan(10_000);
    // Search values are spilled too: found by the index (its keys stay in memory), by a filter that reads them, sorted.
    expect(await store.collection('Observation').countDocuments({ 'sp.status.c': 'final' })).toBe(200);
    expect(await store.collection('Observation').countDocuments({ sp: { $exists: true }, 'sp.status': { $elemMatch: { c: 'final' } }, n: { $gte: 150 } })).toBe(50);
    const sorted = await store.collection<Stored>('Observation').find({ 'sp.status.c': 'final' }, { sort: { n: -1 }, limit: 3 });
    expect(sorted.map((d) => [d._id, d.sp])).toEqual(['o199', 'o198', 'o197'].map((id) => [id, { status: [{ c: 'final' }] }]));
    const docs = (await store.collection<Stored>('Observation').find({}, { sort: { n: 1 } })) as Stored[];
    expect(docs.map((d) => d.resource)).toEqual(Array.from({ length: 200 }, (_, i) => resourceOf(i)));
    const hits = await store.collection<Stored>('Observation').find({ 'resource.note.text': `note 150 ✓ ${'x'.repeat(150 % 7)}` });
    expect(hits.map((d) => d._id)).toEqual(['o150']);
    // Readers get copies: changing one changes nothing stored.
    (docs[199].resource as { status: string }).status = 'changed';
    expect((await store.collection<Stored>('Observation').findOne({ _id: 'o199' }))?.resource?.status).toBe('final');
    expect((await store.collection<Stored>('Observation_history').findOne({ _id: 'o199/1' }))?.resource).toEqual(resourceOf(199));
  });

  it('leaves small transactions in the heap, and no spill file in the data directory', async () => {
    const store = await open(1 << 20);
    await importOnce(store, 20);
    expect(store.stats().spillBytes).toBe(0);
    await closeAll();
    const spilling = await open(0);
    await importOnce(spilling, 50, 100);
    expect(spilling.stats().spillBytes).toBeGreaterThan(0);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('spill-'))).toEqual([]);
  });

  it('journals a spilled resource once per record, and recovers the same documents from the journal and from a snapshot', async () => {
    const store = await open(0);
    await importOnce(store, 120);
    await store.collection('Observation').deleteOne({ _id: 'o3' });
    const expected = await store.collection('Observation').find({});
    const expectedHistory = await store.collection('Observation_history').find({});
    await closeAll();

    // The history entry refers to its current document's resource instead of writing it again.
    const text = (await fs.readFile(journalPath(dir, 0))).toString('utf8');
    expect(text.split('"note":[{"text":"note 42 ').length - 1).toBe(1);
    expect(text).toContain('"s":[["resource",');

    const replayed = await open(0);
    expect(await replayed.collection('Observation').find({})).toEqual(expected);
    expect(await replayed.collection('Observation_history').find({})).toEqual(expectedHistory);
    await closeAll();

    // Compaction writes the spilled resources into the snapshot (once each), then a restart reads them back.
    const compacting = await open(0, 1);
    await importOnce(compacting, 30, 500);
    await compacting.compacted();
    const after = await compacting.collection('Observation').find({});
    expect(after).toHaveLength(expected.length + 30);
    await closeAll();
    const fromSnapshot = await open(0);
    expect(await fromSnapshot.collection('Observation').find({})).toEqual(after);
    expect(await fromSnapshot.collection('Observation_history').countDocuments({})).toBe(150);
  });

  it('moves what is still read from the spill file to a new one at compaction, releasing the rest', async () => {
    // 100 resources, then 60 of them replaced and their first versions deleted: 100 of 160 spilled values remain.
    const scenario = async (store: EmbeddedStore) => {
      await importOnce(store, 100);
      await store.transaction(async (tx) => {
        for (let i = 0; i < 60; i++) await tx.collection('Observation').replaceOne({ _id: `o${i}` }, { _id: `o${i}`, resource: { ...resourceOf(i), status: 'amended' }, n: i });
        await tx.collection('Observation_history').deleteMany({ n: { $lt: 60 } });
      });
      // A compaction that may have started during the writes, then one after them all (with compaction on: it follows every write).
      await store.compacted();
      await store.collection('Other').insertOne({ _id: 'z' });
      await store.compacted();
      return { spilled: store.stats().spillBytes, docs: await store.collection('Observation').find({}), history: await store.collection('Observation_history').find({}) };
    };
    const kept = await scenario(await open(0));
    await closeAll();
    await fs.rm(dir, { recursive: true, force: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-spill-'));
    const compacted = await scenario(await open(0, 1));
    expect(compacted.spilled).toBeLessThan(kept.spilled * 0.75);
    expect(compacted.spilled).toBeGreaterThan(kept.spilled * 0.5);
    expect(compacted.docs).toEqual(kept.docs);
    expect(compacted.history).toEqual(kept.history);
    expect(compacted.history).toHaveLength(40);
  });

  it('drops nothing and keeps nothing of a transaction that fails after spilling', async () => {
    const store = await open(0);
    await expect(
      store.transaction(async (tx) => {
        await tx.collection('Observation').insertOne({ _id: 'a', resource: resourceOf(1) });
        await tx.collection('Observation').insertOne({ _id: 'a', resource: resourceOf(2) });
      }),
    ).rejects.toThrow(/duplicate/i);
    expect(store.stats().spillBytes).toBeGreaterThan(0);
    expect(await store.collection('Observation').countDocuments({})).toBe(0);
  });
});

describe('spilled fields', () => {
  let dir: string;
  let file: SpillFile;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-spill-file-'));
    file = SpillFile.open(dir);
  });
  afterEach(async () => {
    file.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const spilledDoc = (resource: unknown) => {
    const doc: Record<string, unknown> = { _id: 'x' };
    defineSpilled(doc, 'resource', file.append(JSON.stringify(resource)));
    doc.sp = { a: [1] };
    return Object.freeze(doc) as Doc;
  };

  it('reads as a fresh copy each time, serialises as JSON.stringify would, and is identified without being read', () => {
    const resource = { resourceType: 'Patient', name: [{ text: 'Zoë ✓' }], n: 1.5 };
    const doc = spilledDoc(resource);
    expect(Object.keys(doc)).toEqual(['_id', 'resource', 'sp']);
    expect((doc as Stored).resource).toEqual(resource);
    expect((doc as Stored).resource).not.toBe((doc as Stored).resource);
    expect(docJson(doc)).toBe(JSON.stringify({ _id: 'x', resource, sp: { a: [1] } }));
    expect(fieldIdentity(doc, 'resource')).toBe(fieldIdentity(doc, 'resource'));
    expect(fieldIdentity(doc, 'sp')).toBe((doc as Stored).sp);
  });

  it('nulls chosen fields and keeps the others spilled', () => {
    const doc = spilledDoc({ resourceType: 'Patient' });
    const nulled = withNullFields(doc, new Set(['sp']));
    expect(docJson(nulled)).toBe('{"_id":"x","resource":{"resourceType":"Patient"},"sp":null}');
    expect(fieldIdentity(nulled, 'resource')).toBe(fieldIdentity(doc, 'resource'));
    expect(withNullFields(doc, new Set(['resource']))).toEqual({ _id: 'x', resource: null, sp: { a: [1] } });
  });

  it('refuses bytes that changed on disk, and reads after closing', async () => {
    const doc = spilledDoc({ resourceType: 'Patient', id: 'abc' });
    const fd = (file as unknown as { fd: number }).fd;
    (await import('node:fs')).writeSync(fd, Buffer.from('Q'), 0, 1, 2);
    expect(() => (doc as Stored).resource).toThrow(/other bytes/);
    file.close();
    expect(() => (doc as Stored).resource).toThrow(/closed/);
  });
});
