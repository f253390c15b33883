import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreClosedError, StoreFailedError, TransactionAbortedError } from '../errors';
import { DuplicateKeyError } from '../port';
import { Journal } from './journal';
import { openEmbeddedStore, type EmbeddedStore } from './store';

describe('embedded store', () => {
  let dir: string;
  let store: EmbeddedStore;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-store-'));
    store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 2 ** 40 });
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('shows a write to readers only once it is durable, while later writers already see it', async () => {
    const c = store.collection('c');
    const write = c.insertOne({ _id: 'a' });
    const duplicate = c.insertOne({ _id: 'a' }).catch((err: unknown) => err);
    expect(await c.findOne({ _id: 'a' })).toBeNull();
    expect(await c.countDocuments({})).toBe(0);
    await write;
    expect(await c.findOne({ _id: 'a' })).toEqual({ _id: 'a' });
    expect(await duplicate).toBeInstanceOf(DuplicateKeyError);
  });

  it('groups concurrent single writes into few fsyncs', async () => {
    const before = store.stats().journalSyncs;
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.collection('c').insertOne({ _id: `k${i}` })));
    expect(store.stats().journalSyncs - before).toBeLessThanOrEqual(10);
    expect(await store.collection('c').countDocuments({})).toBe(100);
  });

  it('keeps natural order consistent inside a transaction and after it commits', async () => {
    const c = store.collection('c');
    for (const id of ['a', 'b', 'c', 'd']) await c.insertOne({ _id: id, k: 1 });
    const inside = await store.transaction(async (tx) => {
      const t = tx.collection('c');
      await t.replaceOne({ _id: 'b' }, { _id: 'b', k: 1, changed: true });
      await t.deleteOne({ _id: 'c' });
      await t.insertOne({ _id: 'c', k: 1 });
      await t.insertOne({ _id: 'e', k: 1 });
      return (await t.find({ k: 1 })).map((d) => d._id);
    });
    expect(inside).toEqual(['a', 'b', 'd', 'c', 'e']);
    expect((await c.find({ k: 1 })).map((d) => d._id)).toEqual(inside);
    expect((await c.find({}, { sort: { k: 1 } })).map((d) => d._id)).toEqual(inside);
  });

  it('refuses operations on a transaction view after the transaction ended, and after a failed operation', async () => {
    let leaked: Parameters<Parameters<EmbeddedStore['transaction']>[0]>[0] | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.collection('c').insertOne({ _id: 'late' })).rejects.toThrow(/already ended/);
    await store.collection('c').insertOne({ _id: 'x' });
    await expect(
      store.transaction(async (tx) => {
        await tx.collection('c').insertOne({ _id: 'x' }).catch(() => undefined);
        await tx.collection('c').insertOne({ _id: 'y' });
      }),
    ).rejects.toBeInstanceOf(TransactionAbortedError);
    expect(await store.collection('c').countDocuments({})).toBe(1);
  });

  it('aborts a transaction that runs past its time limit, so writers queued behind it proceed', async () => {
    await store.close();
    store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 2 ** 40, transactionTimeoutMs: 100 });
    let stuckTx: Parameters<Parameters<EmbeddedStore['transaction']>[0]>[0] | undefined;
    let unblock!: () => void;
    const stuck = store.transaction(async (tx) => {
      stuckTx = tx;
      await tx.collection('c').insertOne({ _id: 'from-stuck' });
      await new Promise<void>((resolve) => (unblock = resolve));
    });
    const queued = store.collection('c').insertOne({ _id: 'queued' });
    await expect(stuck).rejects.toThrow('transaction aborted: it ran longer than 100 ms');
    await queued;
    unblock();
    await expect(stuckTx!.collection('c').insertOne({ _id: 'late' })).rejects.toThrow(/already ended/);
    expect((await store.collection('c').find({})).map((d) => d._id)).toEqual(['queued']);
  });

  it('rejects createIndex inside a transaction', async () => {
    await expect(store.transaction((tx) => tx.collection('c').createIndex({ a: 1 }))).rejects.toThrow(/not allowed inside a transaction/);
  });

  it('stops accepting writes after an fsync failure, but keeps serving what was durable', async () => {
    const c = store.collection('c');
    await c.insertOne({ _id: 'durable' });
    const journal = (store as unknown as { journal: Journal }).journal;
    (journal as unknown as { handle: { datasync: () => Promise<void> } }).handle.datasync = () => Promise.reject(new Error('EIO'));
    await expect(c.insertOne({ _id: 'lost' })).rejects.toBeInstanceOf(StoreFailedError);
    await expect(c.insertOne({ _id: 'later' })).rejects.toBeInstanceOf(StoreFailedError);
    expect(await c.find({})).toEqual([{ _id: 'durable' }]);
  });

  it('finishes writes issued before close, and refuses use after it', async () => {
    const writes = Array.from({ length: 20 }, (_, i) => store.collection('c').insertOne({ _id: `w${i}` }));
    const closing = store.close();
    await Promise.all(writes);
    await closing;
    await expect(store.collection('c').find({})).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.collection('c').insertOne({ _id: 'no' })).rejects.toBeInstanceOf(StoreClosedError);
    const reopened = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 2 ** 40 });
    expect(await reopened.collection('c').countDocuments({})).toBe(20);
    await reopened.close();
  });

  it('rejects documents without a string _id and invalid collection names', async () => {
    await expect(store.collection('c').insertOne({ _id: 5 } as never)).rejects.toThrow(/string _id/);
    expect(() => store.collection('bad$name')).toThrow(/invalid collection name/);
    await expect(store.collection('c').replaceOne({ _id: 'a' }, { _id: 'b' }, { upsert: true })).resolves.toEqual({ matchedCount: 0, upsertedCount: 1 });
    await store.collection('c').insertOne({ _id: 'a' });
    await expect(store.collection('c').replaceOne({ _id: 'a' }, { _id: 'z' })).rejects.toThrow(/may not change _id/);
  });
});
