import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreCorruptError } from '../errors';
import type { Doc } from '../port';
import { snapshotPath } from './files';
import { encodeRecord } from './record';
import { readSnapshot, writeSnapshot } from './snapshot';
import type { FrozenCollection } from './state';

const photo = 'B'.repeat(50_000);
const resources = Array.from({ length: 300 }, (_, i) => Object.freeze({ resourceType: 'Media', id: `m${i}`, content: Object.freeze({ data: photo }) }));
const coll = (name: string, docs: Doc[]): FrozenCollection => ({ name, indexes: [], docs });

/** A current collection, an unrelated one between it and its history in name order, and the history sharing the current resources. */
function collections(share: boolean): FrozenCollection[] {
  return [
    coll('Media', resources.map((resource) => ({ _id: resource.id, versionId: 1, resource }))),
    coll('MediaDefinition', [{ _id: 'x', resource: { other: true } }]),
    coll('Media_history', resources.map((resource) => ({ _id: `${resource.id}/1`, resource: share ? resource : structuredClone(resource) }))),
  ];
}

describe('snapshots (snapshot.ts)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-snapshot-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('writes an object two documents hold once, and reads it back shared by both', async () => {
    const sharedBytes = await writeSnapshot(dir, 1, 9, collections(true));
    const read = await readSnapshot(snapshotPath(dir, 1));
    expect(read.lsn).toBe(9);
    expect(read.collections).toEqual(collections(false));
    const [current, , history] = read.collections;
    history.docs.forEach((doc, i) => expect(doc.resource).toBe(current.docs[i].resource));
    const separateBytes = await writeSnapshot(dir, 2, 9, collections(false));
    expect(sharedBytes).toBeLessThan(separateBytes * 0.6);
  });

  it('still reads a snapshot of format 1', async () => {
    const records = [
      { k: 'head', format: 1, gen: 1, lsn: 4 },
      { k: 'coll', c: 'c', indexes: [{ keys: { k: 1 }, unique: true }] },
      { k: 'docs', c: 'c', d: [{ _id: 'a', k: 1 }, { _id: 'b', k: 2 }] },
      { k: 'end', docs: 2 },
    ];
    await fs.writeFile(snapshotPath(dir, 1), Buffer.concat(records.map((r) => encodeRecord(JSON.stringify(r)))));
    expect(await readSnapshot(snapshotPath(dir, 1))).toEqual({ lsn: 4, collections: [{ name: 'c', indexes: [{ keys: { k: 1 }, unique: true }], docs: [{ _id: 'a', k: 1 }, { _id: 'b', k: 2 }] }] });
  });

  it.each([
    ['a document no earlier record holds', ['c', 'nobody', 'r']],
    ['a field that is not an object', ['c', 'a', 'text']],
    ['a collection never declared', ['zz', 'a', 'r']],
  ])('refuses a reference to %s', async (_what, [collection, id, field]) => {
    const records = [
      { k: 'head', format: 2, gen: 1, lsn: 4 },
      { k: 'coll', c: 'c', indexes: [] },
      { k: 'docs', c: 'c', d: [{ _id: 'a', r: { x: 1 }, text: 't' }] },
      { k: 'docs', c: 'c', d: [{ _id: 'b', r: null }], s: [[0, 'r', collection, id, field]] },
      { k: 'end', docs: 2 },
    ];
    await fs.writeFile(snapshotPath(dir, 1), Buffer.concat(records.map((r) => encodeRecord(JSON.stringify(r)))));
    await expect(readSnapshot(snapshotPath(dir, 1))).rejects.toThrow(StoreCorruptError);
  });
});
