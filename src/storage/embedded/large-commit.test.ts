import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { journalPath } from './files';
import { BATCH_MAGIC, decodeFrames } from './record';
import { encodeOps, LAZY_FROM_BYTES, type Op } from './state';
import { openEmbeddedStore } from './store';

/** Docs of about `each` bytes, n of them. */
const docs = (n: number, each: number) => Array.from({ length: n }, (_, i) => ({ _id: `d${i}`, n: i, text: `${i}:`.padEnd(each, 'abcdefgh') }));

describe('a commit larger than LAZY_FROM_BYTES (state.ts encodeOps)', () => {
  it('is measured, not kept, and made again as the same JSON; a small one is kept as bytes', () => {
    const ops: Op[] = docs(20, 1 << 20).map((doc, seq) => ({ o: 'put', c: 'c', doc, seq }));
    const lazy = encodeOps(3, ops);
    expect(Array.isArray(lazy)).toBe(false);
    if (Array.isArray(lazy)) return;
    expect(lazy.length).toBeGreaterThan(LAZY_FROM_BYTES);
    const made = Buffer.from([...lazy.pieces()].join(''), 'utf8');
    expect(made.length).toBe(lazy.length);
    expect(JSON.parse(made.toString('utf8'))).toEqual({ lsn: 3, ops: ops.map((op) => ({ o: 'put', c: 'c', d: (op as { doc: unknown }).doc })) });
    const small = encodeOps(3, ops.slice(0, 2));
    expect(Array.isArray(small)).toBe(true);
    expect(Buffer.concat(small as Buffer[]).equals(Buffer.concat([...encodeOps(3, ops.slice(0, 2)) as Buffer[]]))).toBe(true);
  });

  describe('in the store', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-large-commit-'));
    });
    afterEach(() => fs.rm(dir, { recursive: true, force: true }));
    const open = () => openEmbeddedStore({ dataDir: dir, journalCompactBytes: 2 ** 40, log: () => {} });

    it('journals it as one valid batch between small ones, and every document reads back after a restart', async () => {
      const big = docs(24, 1 << 20);
      let store = await open();
      await store.collection('c').insertOne({ _id: 'before' });
      const writes = [
        store.transaction(async (tx) => {
          for (const doc of big) await tx.collection('c').insertOne(doc);
        }),
        store.collection('c').insertOne({ _id: 'beside' }),
      ];
      await Promise.all(writes);
      await store.collection('c').insertOne({ _id: 'after' });
      await store.close();
      const journal = await fs.readFile(journalPath(dir, 0));
      const batches = decodeFrames(journal, BATCH_MAGIC);
      expect(batches.validEnd).toBe(journal.length);
      expect(batches.bodies.some((b) => b.length > LAZY_FROM_BYTES)).toBe(true);
      store = await open();
      const ids = (await store.collection('c').find({}, { sort: { _id: 1 } })).map((d) => d._id);
      expect(ids).toEqual(['after', 'before', 'beside', ...big.map((d) => d._id)].sort());
      expect(await store.collection('c').findOne({ _id: 'd23' })).toEqual(big[23]);
      await store.close();
    });
  });
});
