/**
 * The store contract: the same behaviour tests against every engine. The embedded engine always runs
 * (a fresh data directory per test); MongoDB runs when MONGODB_URI is set (a fresh database per run,
 * dropped afterwards). Filters and sorts here are exactly what MongoDB would receive.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { DocumentLimitError } from '../src/storage/errors';
import { openStore } from '../src/storage/open';
import { DuplicateKeyError, type Doc, type Store } from '../src/storage/port';

interface Engine {
  /** Opens a store on this test's storage (the same storage on every call within one test). */
  open(): Promise<Store>;
  /** Whether transactions are atomic and isolated (false on a standalone MongoDB server). */
  atomic(): boolean;
}

interface EngineSetup {
  beforeEach(): Promise<void>;
  afterEach(): Promise<void>;
  afterAll(): Promise<void>;
  engine: Engine;
}

function embeddedSetup(): EngineSetup {
  let dir = '';
  return {
    async beforeEach() {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-contract-'));
    },
    async afterEach() {
      await fs.rm(dir, { recursive: true, force: true });
    },
    async afterAll() {},
    engine: {
      open: () => openStore({ dataDir: dir, journalCompactBytes: 1 << 20 }),
      atomic: () => true,
    },
  };
}

/** The URI with its database name replaced (query string kept). */
function withDatabase(uri: string, db: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error('MONGODB_URI is not a mongodb:// URI');
  return `${m[1]}/${db}${m[3] ?? ''}`;
}

function mongoSetup(uri: string): EngineSetup {
  const run = `relay_contract_${process.pid}_${Date.now()}`;
  let n = 0;
  let dbUri = '';
  let standalone = false;
  const used: string[] = [];
  return {
    async beforeEach() {
      const name = `${run}_${n++}`;
      used.push(name);
      dbUri = withDatabase(uri, name);
    },
    async afterEach() {},
    async afterAll() {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
      try {
        for (const name of used) await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    },
    engine: {
      open: () => openStore({ dataDir: '', mongodbUri: dbUri, journalCompactBytes: 0, log: (m) => (standalone ||= m.includes('standalone')) }),
      atomic: () => !standalone,
    },
  };
}

const patients: Doc[] = [
  { _id: 'p1', family: 'Smith', given: ['Ann', 'Marie'], age: 34, active: true, name: [{ use: 'official', family: 'Smith' }], tags: ['a', 'b'], code: 'x-1' },
  { _id: 'p2', family: 'Jones', given: ['Bob'], age: 51, active: false, name: [{ use: 'official', family: 'Jones' }, { use: 'nickname', family: 'Bobby' }], tags: ['b'] },
  { _id: 'p3', family: 'Smith', given: ['Carl'], age: 12, active: true, name: [{ use: 'old', family: 'Smyth' }], tags: [], code: 'x-2' },
  { _id: 'p4', family: 'adams', given: ['Dora'], age: 51, name: [{ use: 'official', family: 'Adams' }], code: 'y-1' },
];

const ids = (docs: Doc[]) => docs.map((d) => d._id);

function contract(label: string, setup: EngineSetup): void {
  describe(label, () => {
    const { engine } = setup;
    let store: Store;
    beforeEach(async () => {
      await setup.beforeEach();
      store = await engine.open();
    });
    afterEach(async () => {
      await store.close();
      await setup.afterEach();
    });
    afterAll(() => setup.afterAll());

    async function seed(name = 'Patient') {
      const c = store.collection(name);
      for (const p of patients) await c.insertOne(p);
      return c;
    }

    it('inserts documents and reads them back with find, findOne and countDocuments', async () => {
      const c = await seed();
      expect(await c.findOne({ _id: 'p2' })).toEqual(patients[1]);
      expect(await c.findOne({ _id: 'nope' })).toBeNull();
      expect((await c.find({})).length).toBe(4);
      expect(await c.countDocuments({})).toBe(4);
      expect(await c.countDocuments({ family: 'Smith' })).toBe(2);
    });

    it('answers equality, dotted paths into arrays, $elemMatch, $in, $or, ranges, $exists and $regex like MongoDB', async () => {
      const c = await seed();
      const q = async (filter: Record<string, unknown>) => ids(await c.find(filter, { sort: { _id: 1 } }));
      expect(await q({ family: 'Smith' })).toEqual(['p1', 'p3']);
      expect(await q({ given: 'Bob' })).toEqual(['p2']);
      expect(await q({ 'name.family': 'Bobby' })).toEqual(['p2']);
      expect(await q({ 'name.use': 'official', 'name.family': 'Bobby' })).toEqual(['p2']);
      expect(await q({ name: { $elemMatch: { use: 'official', family: 'Bobby' } } })).toEqual([]);
      expect(await q({ name: { $elemMatch: { use: 'nickname', family: 'Bobby' } } })).toEqual(['p2']);
      expect(await q({ family: { $in: ['Jones', 'adams'] } })).toEqual(['p2', 'p4']);
      expect(await q({ tags: { $in: ['a'] } })).toEqual(['p1']);
      expect(await q({ $or: [{ age: 12 }, { family: 'Jones' }] })).toEqual(['p2', 'p3']);
      expect(await q({ age: { $gt: 34 } })).toEqual(['p2', 'p4']);
      expect(await q({ age: { $gte: 12, $lt: 51 } })).toEqual(['p1', 'p3']);
      expect(await q({ family: { $lt: 'Smith' } })).toEqual(['p2']);
      expect(await q({ family: { $gt: 'Smith' } })).toEqual(['p4']);
      expect(await q({ code: { $exists: false } })).toEqual(['p2']);
      expect(await q({ active: { $exists: true } })).toEqual(['p1', 'p2', 'p3']);
      expect(await q({ active: null })).toEqual(['p4']);
      expect(await q({ code: { $regex: '^x-' } })).toEqual(['p1', 'p3']);
      expect(await q({ family: { $regex: '^ADA', $options: 'i' } })).toEqual(['p4']);
      expect(await q({ $and: [{ family: 'Smith' }, { age: { $lt: 20 } }] })).toEqual(['p3']);
      expect(await q({ tags: { $size: 0 } })).toEqual(['p3']);
      expect(await q({ age: { $ne: 51 } })).toEqual(['p1', 'p3']);
      expect(await q({ family: { $nin: ['Smith'] } })).toEqual(['p2', 'p4']);
    });

    it('sorts ascending and descending on several keys, with skip and limit', async () => {
      const c = await seed();
      expect(ids(await c.find({}, { sort: { age: -1, family: 1 } }))).toEqual(['p2', 'p4', 'p1', 'p3']);
      expect(ids(await c.find({}, { sort: { age: -1, family: -1 } }))).toEqual(['p4', 'p2', 'p1', 'p3']);
      expect(ids(await c.find({}, { sort: { family: 1, age: 1 } }))).toEqual(['p2', 'p3', 'p1', 'p4']);
      expect(ids(await c.find({}, { sort: { age: 1, _id: -1 }, skip: 1, limit: 2 }))).toEqual(['p1', 'p4']);
      expect(ids(await c.find({ family: 'Smith' }, { sort: { age: 1 }, limit: 1 }))).toEqual(['p3']);
      expect(ids(await c.find({}, { sort: { _id: 1 }, skip: 3, limit: 10 }))).toEqual(['p4']);
      expect(await c.findOne({}, { sort: { age: 1 } })).toMatchObject({ _id: 'p3' });
      expect(await c.findOne({ family: 'Smith' }, { sort: { age: -1 }, skip: 1 })).toMatchObject({ _id: 'p3' });
    });

    it('sorts arrays by their smallest element ascending and their largest descending, and missing as null', async () => {
      const c = store.collection('Sorting');
      await c.insertOne({ _id: 'a', v: [5, 1] });
      await c.insertOne({ _id: 'b', v: 3 });
      await c.insertOne({ _id: 'c', v: [2, 9] });
      await c.insertOne({ _id: 'd' });
      await c.insertOne({ _id: 'e', v: 'text' });
      expect(ids(await c.find({}, { sort: { v: 1, _id: 1 } }))).toEqual(['d', 'a', 'c', 'b', 'e']);
      expect(ids(await c.find({}, { sort: { v: -1, _id: 1 } }))).toEqual(['e', 'c', 'a', 'b', 'd']);
    });

    it('projects with inclusion and exclusion, keeping _id unless excluded', async () => {
      const c = await seed();
      expect(await c.findOne({ _id: 'p1' }, { projection: { family: 1, age: 1 } })).toEqual({ _id: 'p1', family: 'Smith', age: 34 });
      expect(await c.findOne({ _id: 'p1' }, { projection: { family: 1, _id: 0 } })).toEqual({ family: 'Smith' });
      expect(await c.findOne({ _id: 'p2' }, { projection: { 'name.family': 1 } })).toEqual({ _id: 'p2', name: [{ family: 'Jones' }, { family: 'Bobby' }] });
      const excluded = await c.findOne({ _id: 'p1' }, { projection: { name: 0, given: 0, tags: 0 } });
      expect(excluded).toEqual({ _id: 'p1', family: 'Smith', age: 34, active: true, code: 'x-1' });
      expect(ids(await c.find({ age: 51 }, { projection: { _id: 1 }, sort: { _id: 1 } }))).toEqual(['p2', 'p4']);
    });

    it('replaces only when the version guard matches, and leaves the document unchanged otherwise', async () => {
      const c = store.collection('Versioned');
      await c.insertOne({ _id: 'r1', versionId: 1, text: 'one' });
      const stale = await c.replaceOne({ _id: 'r1', versionId: 2 }, { _id: 'r1', versionId: 3, text: 'stale' });
      expect(stale).toEqual({ matchedCount: 0, upsertedCount: 0 });
      expect(await c.findOne({ _id: 'r1' })).toEqual({ _id: 'r1', versionId: 1, text: 'one' });
      const ok = await c.replaceOne({ _id: 'r1', versionId: 1 }, { _id: 'r1', versionId: 2, text: 'two' });
      expect(ok).toEqual({ matchedCount: 1, upsertedCount: 0 });
      expect(await c.findOne({ _id: 'r1' })).toEqual({ _id: 'r1', versionId: 2, text: 'two' });
      expect(await c.countDocuments({})).toBe(1);
    });

    it('upserts: inserts when nothing matches, replaces when something does', async () => {
      const c = store.collection('Upserts');
      expect(await c.replaceOne({ _id: 'u1' }, { _id: 'u1', n: 1 }, { upsert: true })).toEqual({ matchedCount: 0, upsertedCount: 1 });
      expect(await c.replaceOne({ _id: 'u1' }, { _id: 'u1', n: 2 }, { upsert: true })).toEqual({ matchedCount: 1, upsertedCount: 0 });
      expect(await c.find({})).toEqual([{ _id: 'u1', n: 2 }]);
    });

    it('deletes one or many and reports how many', async () => {
      const c = await seed();
      expect(await c.deleteOne({ family: 'Nobody' })).toEqual({ deletedCount: 0 });
      expect(await c.deleteOne({ _id: 'p1' })).toEqual({ deletedCount: 1 });
      expect(await c.deleteMany({ age: 51 })).toEqual({ deletedCount: 2 });
      expect(ids(await c.find({}))).toEqual(['p3']);
      expect(await c.deleteMany({})).toEqual({ deletedCount: 1 });
      expect(await c.countDocuments({})).toBe(0);
    });

    it('raises DuplicateKeyError on a repeated _id and on a unique index clash, storing nothing', async () => {
      const c = store.collection('Unique');
      await c.createIndex({ identifier: 1 }, { unique: true });
      await c.createIndex({ identifier: 1 }, { unique: true });
      await c.insertOne({ _id: 'a', identifier: 'id-1' });
      await expect(c.insertOne({ _id: 'a', identifier: 'id-2' })).rejects.toBeInstanceOf(DuplicateKeyError);
      await expect(c.insertOne({ _id: 'b', identifier: 'id-1' })).rejects.toBeInstanceOf(DuplicateKeyError);
      await c.insertOne({ _id: 'b', identifier: 'id-2' });
      await expect(c.replaceOne({ _id: 'b' }, { _id: 'b', identifier: 'id-1' })).rejects.toBeInstanceOf(DuplicateKeyError);
      await expect(c.replaceOne({ identifier: 'id-9' }, { _id: 'a', identifier: 'id-9' }, { upsert: true })).rejects.toBeInstanceOf(DuplicateKeyError);
      expect(await c.find({}, { sort: { _id: 1 } })).toEqual([
        { _id: 'a', identifier: 'id-1' },
        { _id: 'b', identifier: 'id-2' },
      ]);
      await c.replaceOne({ _id: 'a' }, { _id: 'a', identifier: 'id-1', note: 'same key, same doc' });
      expect(await c.countDocuments({ note: { $exists: true } })).toBe(1);
    });

    it('refuses a unique index over documents that already clash', async () => {
      const c = store.collection('Clash');
      await c.insertOne({ _id: 'a', k: 1 });
      await c.insertOne({ _id: 'b', k: 1 });
      await expect(c.createIndex({ k: 1 }, { unique: true })).rejects.toBeInstanceOf(DuplicateKeyError);
      await c.insertOne({ _id: 'c', k: 1 });
      expect(await c.countDocuments({ k: 1 })).toBe(3);
    });

    it('commits every write of a transaction together', async () => {
      const c = await seed();
      const result = await store.transaction(async (tx) => {
        const t = tx.collection('Patient');
        await t.insertOne({ _id: 'p5', family: 'New' });
        await t.replaceOne({ _id: 'p1' }, { ...patients[0], age: 35 });
        await t.deleteOne({ _id: 'p2' });
        await tx.collection('Patient_history').insertOne({ _id: 'p5/1', id: 'p5' });
        return 'done';
      });
      expect(result).toBe('done');
      expect(ids(await c.find({}, { sort: { _id: 1 } }))).toEqual(['p1', 'p3', 'p4', 'p5']);
      expect(await c.findOne({ _id: 'p1' })).toMatchObject({ age: 35 });
      expect(await store.collection('Patient_history').countDocuments({})).toBe(1);
      expect(await store.listCollections()).toEqual(expect.arrayContaining(['Patient', 'Patient_history']));
    });

    it('stores nothing from a transaction whose work throws, and passes the error on', async () => {
      if (!engine.atomic()) return console.log('skipped: a standalone MongoDB server has no atomic transactions');
      const c = await seed();
      const before = await c.find({}, { sort: { _id: 1 } });
      const boom = new Error('boom');
      await expect(
        store.transaction(async (tx) => {
          const t = tx.collection('Patient');
          await t.insertOne({ _id: 'p9', family: 'Ghost' });
          await t.replaceOne({ _id: 'p1' }, { ...patients[0], family: 'Changed' });
          await t.deleteMany({ age: 51 });
          await tx.collection('Other').insertOne({ _id: 'o1' });
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await c.find({}, { sort: { _id: 1 } })).toEqual(before);
      expect(await store.collection('Other').countDocuments({})).toBe(0);
    });

    it('aborts a transaction when an operation inside it fails, even if work catches the error', async () => {
      if (!engine.atomic()) return console.log('skipped: a standalone MongoDB server has no atomic transactions');
      const c = await seed();
      await expect(
        store.transaction(async (tx) => {
          await tx.collection('Patient').insertOne({ _id: 'p8' });
          await tx.collection('Patient').insertOne({ _id: 'p1' }).catch(() => undefined);
          return 'swallowed';
        }),
      ).rejects.toThrow(/transaction aborted/);
      expect(await c.findOne({ _id: 'p8' })).toBeNull();
    });

    it('lets a transaction read its own writes', async () => {
      const c = await seed();
      await store.transaction(async (tx) => {
        const t = tx.collection('Patient');
        await t.insertOne({ _id: 'p5', family: 'Smith', age: 70 });
        expect(await t.countDocuments({ family: 'Smith' })).toBe(3);
        expect(ids(await t.find({ family: 'Smith' }, { sort: { age: -1 } }))).toEqual(['p5', 'p1', 'p3']);
        await t.replaceOne({ _id: 'p1' }, { _id: 'p1', family: 'Renamed' });
        expect(await t.findOne({ _id: 'p1' })).toEqual({ _id: 'p1', family: 'Renamed' });
        expect(await t.countDocuments({ family: 'Smith' })).toBe(2);
        await t.deleteOne({ _id: 'p3' });
        expect(await t.findOne({ _id: 'p3' })).toBeNull();
        expect(ids(await t.find({ family: 'Smith' }))).toEqual(['p5']);
        const { matchedCount } = await t.replaceOne({ _id: 'p5', age: 70 }, { _id: 'p5', family: 'Smith', age: 71 });
        expect(matchedCount).toBe(1);
        expect(await t.findOne({ _id: 'p5' })).toEqual({ _id: 'p5', family: 'Smith', age: 71 });
      });
      expect(ids(await c.find({}, { sort: { _id: 1 } }))).toEqual(['p1', 'p2', 'p4', 'p5']);
      expect(await c.findOne({ _id: 'p5' })).toEqual({ _id: 'p5', family: 'Smith', age: 71 });
    });

    it('sees transaction-created collections in the transaction', async () => {
      await store.transaction(async (tx) => {
        await tx.collection('Fresh').insertOne({ _id: 'f1' });
        expect(await tx.listCollections()).toContain('Fresh');
      });
      expect(await store.listCollections()).toContain('Fresh');
    });

    it('returns copies: mutating a result or the inserted object never changes the store', async () => {
      const c = store.collection('Alias');
      const input = { _id: 'x', nested: { list: [1, 2] }, v: 1 };
      await c.insertOne(input);
      input.nested.list.push(3);
      input.v = 2;
      const first = (await c.findOne({ _id: 'x' })) as Doc & { nested: { list: number[] } };
      first.nested.list.push(99);
      const [fromFind] = (await c.find({ v: 1 })) as Array<Doc & { nested: { list: number[] } }>;
      fromFind.nested.list.length = 0;
      const replacement = { _id: 'x', nested: { list: [7] }, v: 1 };
      await c.replaceOne({ _id: 'x' }, replacement);
      replacement.nested.list.push(8);
      expect(await c.findOne({ _id: 'x' })).toEqual({ _id: 'x', nested: { list: [7] }, v: 1 });
    });

    it('keeps data across close and reopen', async () => {
      const c = await seed();
      await c.createIndex({ family: 1 });
      await c.deleteOne({ _id: 'p4' });
      await store.transaction(async (tx) => {
        await tx.collection('Patient').replaceOne({ _id: 'p2' }, { ...patients[1], age: 52 });
      });
      await store.close();
      store = await engine.open();
      const again = store.collection('Patient');
      expect(ids(await again.find({}, { sort: { _id: 1 } }))).toEqual(['p1', 'p2', 'p3']);
      expect(await again.findOne({ _id: 'p2' })).toMatchObject({ age: 52 });
      expect(ids(await again.find({ family: 'Smith' }, { sort: { _id: 1 } }))).toEqual(['p1', 'p3']);
      expect(await store.listCollections()).toContain('Patient');
    });

    it('refuses documents over MongoDB limits (nesting depth, 16 MiB) with DocumentLimitError, storing nothing', async () => {
      const c = store.collection('Limits');
      const nest = (levels: number): unknown => (levels === 0 ? 'leaf' : levels % 2 ? { x: nest(levels - 1) } : [nest(levels - 1)]);
      await c.insertOne({ _id: 'ok', deep: nest(50) });
      await expect(c.insertOne({ _id: 'deep', deep: nest(150) })).rejects.toBeInstanceOf(DocumentLimitError);
      await expect(c.replaceOne({ _id: 'ok' }, { _id: 'ok', deep: nest(5000) })).rejects.toThrow(/more than 100 levels deep/);
      await expect(c.insertOne({ _id: 'big', data: 'x'.repeat(17 * 1024 * 1024) })).rejects.toThrow(/over the 16777216-byte limit/);
      expect(ids(await c.find({}))).toEqual(['ok']);
    });

    it('lists collections that hold documents or indexes', async () => {
      await store.collection('A').insertOne({ _id: '1' });
      await store.collection('B').createIndex({ k: 1 });
      expect(await store.listCollections()).toEqual(expect.arrayContaining(['A', 'B']));
    });
  });
}

contract('embedded engine', embeddedSetup());

describe('embedded engine isolation', () => {
  const setup = embeddedSetup();
  beforeEach(() => setup.beforeEach());
  afterEach(() => setup.afterEach());

  it('never shows a transaction’s uncommitted writes to readers outside it', async () => {
    const store = await setup.engine.open();
    try {
      const outside = store.collection('Iso');
      await outside.insertOne({ _id: 'a', v: 1 });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inside!: () => void;
      const started = new Promise<void>((r) => (inside = r));
      const tx = store.transaction(async (t) => {
        await t.collection('Iso').insertOne({ _id: 'b', v: 2 });
        await t.collection('Iso').replaceOne({ _id: 'a' }, { _id: 'a', v: 10 });
        inside();
        await gate;
      });
      await started;
      expect(await outside.find({}, { sort: { _id: 1 } })).toEqual([{ _id: 'a', v: 1 }]);
      expect(await outside.countDocuments({ v: { $gte: 2 } })).toBe(0);
      expect(await store.listCollections()).toEqual(['Iso']);
      release();
      await tx;
      expect(await outside.find({}, { sort: { _id: 1 } })).toEqual([
        { _id: 'a', v: 10 },
        { _id: 'b', v: 2 },
      ]);
    } finally {
      await store.close();
    }
  });

  it('queues writes behind a running transaction and applies them after it', async () => {
    const store = await setup.engine.open();
    try {
      const c = store.collection('Queue');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const tx = store.transaction(async (t) => {
        await t.collection('Queue').insertOne({ _id: 'k', by: 'tx' });
        await gate;
      });
      const single = c.insertOne({ _id: 'k', by: 'single' }).then(
        () => 'inserted',
        (err: unknown) => err,
      );
      release();
      await tx;
      expect(await single).toBeInstanceOf(DuplicateKeyError);
      expect(await c.findOne({ _id: 'k' })).toEqual({ _id: 'k', by: 'tx' });
    } finally {
      await store.close();
    }
  });
});

const mongoUri = process.env.MONGODB_URI;
if (mongoUri) {
  contract('MongoDB engine', mongoSetup(mongoUri));
} else {
  console.log('MongoDB engine: skipped because MONGODB_URI is not set');
  describe('MongoDB engine', () => {
    it.skip('MongoDB engine: skipped because MONGODB_URI is not set', () => undefined);
  });
}
