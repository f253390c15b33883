import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreCorruptError } from '../errors';
import { journalPath } from './files';
import { BATCH_MAGIC, encodeFrame, encodeRecord } from './record';
import { resolveShared, SharedFields } from './shared-ops';
import { openEmbeddedStore } from './store';

describe('objects written once per journal record (shared-ops.ts)', () => {
  it('writes an object a put already wrote as null plus a reference, keeping the field where it was', () => {
    const resource = Object.freeze({ resourceType: 'Patient', name: 'x'.repeat(100) });
    const shared = new SharedFields();
    expect(shared.encode(0, { _id: 'p', resource, sp: { a: 1 } })).toEqual({ doc: { _id: 'p', resource, sp: { a: 1 } } });
    const second = shared.encode(1, { _id: 'p/1', resource, method: 'POST' });
    expect(second.refs).toEqual([['resource', 0, 'resource']]);
    expect(Object.keys(second.doc)).toEqual(['_id', 'resource', 'method']);
    expect(second.doc.resource).toBeNull();
  });

  it('round-trips through JSON: the replayed documents are equal and share the object again', () => {
    const resource = { resourceType: 'Observation', code: { text: 'Heart rate' } };
    const docs = [{ _id: 'o', resource, sp: { code: ['x|y'] } }, { _id: 'o/1', versionId: 1, resource }, { _id: 'q', resource: { other: true } }];
    const shared = new SharedFields();
    const written = docs.map((d, i) => shared.encode(i, d)).map(({ doc, refs }) => ({ o: 'put', c: 'c', d: doc, ...(refs ? { s: refs } : {}) }));
    const ops = JSON.parse(JSON.stringify(written)) as { o: string; d: Record<string, unknown>; s?: unknown }[];
    resolveShared(ops);
    expect(ops.map((op) => op.d)).toEqual(docs);
    expect(ops[1].d.resource).toBe(ops[0].d.resource);
    expect(ops.every((op) => op.s === undefined)).toBe(true);
  });

  it.each([
    ['a reference forwards', [{ o: 'put', d: { _id: 'a', r: null }, s: [['r', 1, 'r']] }, { o: 'put', d: { _id: 'b', r: {} } }]],
    ['a reference to itself', [{ o: 'put', d: { _id: 'a', r: null }, s: [['r', 0, 'r']] }]],
    ['a reference to a field that is not an object', [{ o: 'put', d: { _id: 'a', r: 'text' } }, { o: 'put', d: { _id: 'b', r: null }, s: [['r', 0, 'r']] }]],
    ['a reference to a deletion', [{ o: 'del', c: 'c', id: 'a' }, { o: 'put', d: { _id: 'b', r: null }, s: [['r', 0, 'r']] }]],
    ['a target field that is not null', [{ o: 'put', d: { _id: 'a', r: {} } }, { o: 'put', d: { _id: 'b', r: { own: 1 } }, s: [['r', 0, 'r']] }]],
    ['references that are not a list', [{ o: 'put', d: { _id: 'a', r: {} } }, { o: 'put', d: { _id: 'b', r: null }, s: { r: 0 } }]],
  ])('refuses %s', (_what, ops) => {
    expect(() => resolveShared(ops)).toThrow(/op \d/);
  });

  describe('in the store', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-shared-ops-'));
    });
    afterEach(() => fs.rm(dir, { recursive: true, force: true }));
    const open = () => openEmbeddedStore({ dataDir: dir, journalCompactBytes: 2 ** 40, log: () => {} });

    it('journals a resource held by two documents of one transaction once, and reads both back after a restart', async () => {
      const photo = 'A'.repeat(200_000);
      const resource = { resourceType: 'Media', content: { contentType: 'image/jpeg', data: photo } };
      let store = await open();
      await store.transaction(async (tx) => {
        await tx.collection('Media').insertOne({ _id: 'm', versionId: 1, resource });
        await tx.collection('Media_history').insertOne({ _id: 'm/1', versionId: 1, resource });
      });
      await store.close();
      const journal = await fs.readFile(journalPath(dir, 0));
      expect(journal.length).toBeGreaterThan(photo.length);
      expect(journal.length).toBeLessThan(photo.length * 1.5);
      store = await open();
      expect(await store.collection('Media').findOne({ _id: 'm' })).toEqual({ _id: 'm', versionId: 1, resource });
      expect(await store.collection('Media_history').findOne({ _id: 'm/1' })).toEqual({ _id: 'm/1', versionId: 1, resource });
      await store.collection('Media').replaceOne({ _id: 'm' }, { _id: 'm', versionId: 2, resource: { ...resource, status: 'completed' } });
      expect((await store.collection('Media_history').findOne({ _id: 'm/1' }))?.resource).toEqual(resource);
      await store.close();
    });

    it('refuses to open a journal whose record holds a reference no earlier op can answer', async () => {
      const record = { lsn: 1, ops: [{ o: 'put', c: 'c', d: { _id: 'a', r: null }, s: [['r', 0, 'r']] }] };
      await fs.writeFile(journalPath(dir, 0), encodeFrame(encodeRecord(JSON.stringify(record)), BATCH_MAGIC));
      await expect(open()).rejects.toThrow(StoreCorruptError);
      await expect(open()).rejects.toThrow(/record 1: op 0: shared field/);
    });
  });
});
