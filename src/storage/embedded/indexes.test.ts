import { mulberry32 } from '../../../test/helpers/prng';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuplicateKeyError, type Doc, type Filter, type FindOptions, type Sort, type Store } from '../port';
import { choosePlan, coverableConditions, equalityConditions, rangeOf, type Plan } from './plan';
import { openEmbeddedStore } from './store';

/** Deterministic PRNG (mulberry32) so a failure can be reproduced from its seed. */
const prng = mulberry32;

const WORDS = ['x', 'y', 'z', 'w', 'X', ''];

function randomDoc(rand: () => number, id: string): Doc {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const value = (): unknown => pick<() => unknown>([() => pick(WORDS), () => Math.floor(rand() * 4), () => rand() < 0.5, () => null, () => [pick(WORDS), pick(WORDS)], () => [], () => [[pick(WORDS)], 1], () => ({ v: pick(WORDS) })])();
  const doc: Doc = { _id: id };
  if (rand() < 0.9) doc.a = value();
  if (rand() < 0.8) doc.b = rand() < 0.5 ? { c: value() } : Array.from({ length: Math.floor(rand() * 3) }, () => (rand() < 0.8 ? { c: value() } : value()));
  if (rand() < 0.8) doc.n = Math.floor(rand() * 10);
  if (rand() < 0.5) doc.m = rand() < 0.5 ? [[pick(WORDS), pick(WORDS)], pick(WORDS)] : { c: [pick(WORDS)] };
  return doc;
}

function randomFilter(rand: () => number): Filter {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const scalar = () => pick<unknown>([...WORDS, 0, 1, 2, 3, true, false]);
  const field = () => pick(['a', 'b.c', 'm', 'm.c', 'n', 'b', 'a.v', 'b.0.c', 'a.0']);
  const condition = (): Filter => {
    const f = field();
    return pick<() => Filter>([
      () => ({ [f]: scalar() }),
      () => ({ [f]: { $eq: scalar() } }),
      () => ({ [f]: { $in: [scalar(), scalar()] } }),
      () => ({ [f]: { $in: [] } }),
      () => ({ [f]: scalar(), n: { $gte: Math.floor(rand() * 10) } }),
      () => ({ [f]: { $in: [scalar()] , $ne: scalar() } }),
      () => ({ [f]: null }),
      () => ({ [f]: { $exists: rand() < 0.5 } }),
      () => ({ [f]: [scalar(), scalar()] }),
      () => ({ b: { $elemMatch: { c: scalar() } } }),
      () => ({ b: { $elemMatch: { c: { $gte: pick(['w', 'x', 'X', '']), $lt: pick(['x', 'y', 'z', 'zz']) } } } }),
      () => ({ b: { $elemMatch: { c: { $gt: Math.floor(rand() * 3), $lte: 3 } } } }),
      () => ({ b: { $elemMatch: { c: { $regex: pick(['^x', '^X', '^', '^w|^x', '^x?', 'x']) } } } }),
      () => ({ b: { $elemMatch: { c: { $regex: '^x', $options: 'i' } } } }),
    ])();
  };
  // The last form is how a paging cursor continues a search ordered by id.
  const afterId = () => ({ $and: [condition(), { _id: { $gt: `d${Math.floor(rand() * 400)}` } }] });
  return pick<() => Filter>([condition, () => ({ $and: [condition(), condition()] }), () => ({ $or: [condition(), condition()] }), () => ({ ...condition(), ...condition() }), afterId])();
}

function randomOptions(rand: () => number): FindOptions {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const options: FindOptions = {};
  if (rand() < 0.6) options.sort = pick<Sort>([{ n: rand() < 0.5 ? 1 : -1 }, { a: 1, n: -1 }, { _id: 1 }]);
  if (rand() < 0.3) options.skip = Math.floor(rand() * 5);
  if (rand() < 0.4) options.limit = 1 + Math.floor(rand() * 6);
  return options;
}

describe('equality indexes', () => {
  let dirs: string[] = [];
  const openFresh = async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-index-'));
    dirs.push(dir);
    return openEmbeddedStore({ dataDir: dir, journalCompactBytes: 2 ** 40 });
  };
  afterEach(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
    dirs = [];
  });

  it('give exactly the results of a full scan on random documents and filters, outside and inside transactions', async () => {
    const rand = prng(20240611);
    const indexed = await openFresh();
    const scanned = await openFresh();
    for (const field of ['a', 'b.c', 'm', 'm.c', 'n', 'a.0']) await indexed.collection('r').createIndex({ [field]: 1 });
    const stores: Store[] = [indexed, scanned];
    const docs = Array.from({ length: 400 }, (_, i) => randomDoc(rand, `d${i}`));
    const replacements = Array.from({ length: 100 }, () => randomDoc(rand, `d${Math.floor(rand() * 400)}`));
    const deletions = Array.from({ length: 30 }, () => ({ _id: `d${Math.floor(rand() * 400)}` }));
    for (const s of stores) {
      await s.transaction(async (tx) => {
        for (const doc of docs) await tx.collection('r').insertOne(doc);
      });
      await s.transaction(async (tx) => {
        for (const doc of replacements) await tx.collection('r').replaceOne({ _id: doc._id }, doc);
      });
      for (const filter of deletions.slice(0, 5)) await s.collection('r').deleteOne(filter);
      await s.transaction(async (tx) => {
        for (const filter of deletions.slice(5)) await tx.collection('r').deleteOne(filter);
      });
    }
    const compare = async (read: (s: Store | { collection: Store['collection'] }) => Promise<unknown>, views: Array<{ collection: Store['collection'] }>) => {
      const [a, b] = await Promise.all(views.map(read));
      return { a, b };
    };
    let narrowed = 0;
    let ranged = 0;
    let indexOnly = 0;
    let withElements = 0;
    const indexedFields = ['a', 'b.c', 'm', 'm.c', 'n', 'a.0'];
    for (let i = 0; i < 1000; i++) {
      const filter = randomFilter(rand);
      const options = randomOptions(rand);
      const plan = choosePlan(filter, () => 1);
      if (plan) narrowed++;
      if (plan && 'range' in plan) ranged++;
      if (equalityConditions(filter)?.every((c) => indexedFields.includes(c.field))) indexOnly++;
      const coverable = coverableConditions(filter);
      if (coverable && coverable.elements.length > 0 && coverable.equalities.every((c) => indexedFields.includes(c.field))) withElements++;
      const { a, b } = await compare((s) => s.collection('r').find(filter, options), stores);
      expect({ filter, options, result: a }).toEqual({ filter, options, result: b });
      const counts = await compare((s) => s.collection('r').countDocuments(filter), stores);
      expect({ filter, count: counts.a }).toEqual({ filter, count: counts.b });
    }
    expect(narrowed).toBeGreaterThan(300);
    expect(ranged).toBeGreaterThan(50);
    // Filters answered from the indexes alone (covered.ts) are among those compared.
    expect(indexOnly).toBeGreaterThan(35);
    // And those whose $elemMatch conditions are checked alone beside the equalities' index keys.
    expect(withElements).toBeGreaterThan(100);

    const txRand = prng(7);
    const txDocs = Array.from({ length: 60 }, (_, i) => randomDoc(txRand, i < 30 ? `d${i * 7}` : `t${i}`));
    const inside = async (s: Store) =>
      s.transaction(async (tx) => {
        const c = tx.collection('r');
        for (const doc of txDocs) await c.replaceOne({ _id: doc._id }, doc, { upsert: true });
        await c.deleteMany({ n: 3 });
        const results: unknown[] = [];
        const r = prng(99);
        for (let i = 0; i < 200; i++) results.push(await c.find(randomFilter(r), randomOptions(r)));
        return results;
      });
    expect(await inside(indexed)).toEqual(await inside(scanned));
    const r = prng(5);
    for (let i = 0; i < 200; i++) {
      const filter = randomFilter(r);
      expect(await indexed.collection('r').find(filter)).toEqual(await scanned.collection('r').find(filter));
    }
    await indexed.close();
    await scanned.close();
  });

  it('answer a transaction\'s reads of its own writes (deletes and re-inserts included) the same with and without indexes', async () => {
    const indexed = await openFresh();
    const scanned = await openFresh();
    for (const field of ['a', 'b.c', 'm', 'm.c', 'n', 'a.0']) await indexed.collection('r').createIndex({ [field]: 1 });
    const run = (s: Store) =>
      s.transaction(async (tx) => {
        const c = tx.collection('r');
        const rand = prng(31);
        const seen: unknown[] = [];
        for (let i = 0; i < 400; i++) {
          const id = `d${Math.floor(rand() * 80)}`;
          const step = rand();
          if (step < 0.35) await c.replaceOne({ _id: id }, randomDoc(rand, id), { upsert: true });
          else if (step < 0.45) await c.deleteOne({ _id: id });
          else if (step < 0.5) await c.deleteMany({ n: Math.floor(rand() * 10) });
          else seen.push(await c.find(randomFilter(rand), randomOptions(rand)), await c.countDocuments(randomFilter(rand)));
        }
        return seen;
      });
    expect(await run(indexed)).toEqual(await run(scanned));
    const rand = prng(32);
    for (let i = 0; i < 200; i++) {
      const filter = randomFilter(rand);
      expect(await indexed.collection('r').find(filter)).toEqual(await scanned.collection('r').find(filter));
    }
    await indexed.close();
    await scanned.close();
  });

  it('derive key ranges from $elemMatch bounds and literal-prefix regexes, and nothing from what a prefix cannot bound', () => {
    expect(rangeOf({ $regex: '^smi' })).toEqual({ low: { value: 'smi', inclusive: true }, high: { value: 'smj', inclusive: false } });
    expect(rangeOf({ $regex: '^o\\.b\\-x' })).toEqual({ low: { value: 'o.b-x', inclusive: true }, high: { value: 'o.b-y', inclusive: false } });
    expect(rangeOf({ $regex: '^abc?' })?.low).toEqual({ value: 'ab', inclusive: true });
    expect(rangeOf(/^ab/)?.low).toEqual({ value: 'ab', inclusive: true });
    for (const none of [{ $regex: '^a|b' }, { $regex: '^a', $options: 'i' }, { $regex: '^\\d' }, { $regex: 'ab' }, /^ab/i, /^ab/m, { $gte: 1, $lt: 'x' }, { $ne: 1 }]) expect(rangeOf(none)).toBeNull();
    expect(rangeOf({ $gt: 5, $gte: 2, $lte: 9 })).toEqual({ low: { value: 5, inclusive: false }, high: { value: 9, inclusive: true } });
    const estimate = (plan: Plan) => (plan.field === 'b.c' ? 1 : Infinity);
    expect(choosePlan({ b: { $elemMatch: { c: { $regex: '^x' } } } }, estimate)).toEqual({ field: 'b.c', range: { low: { value: 'x', inclusive: true }, high: { value: 'y', inclusive: false } } });
    expect(choosePlan({ b: { $gte: 'x', $lt: 'y' } }, () => 1)).toBeNull();
  });

  it('narrow candidates for equality, $eq and $in at the top level or inside $and, and not for $or', () => {
    const sizes: Record<string, number> = { a: 10, b: 3 };
    const estimate = (plan: Plan) => ('values' in plan && plan.field in sizes ? sizes[plan.field] * plan.values.length : Infinity);
    expect(choosePlan({ a: 'x', b: { $in: ['p', 'q'] } }, estimate)).toEqual({ field: 'b', values: ['p', 'q'] });
    expect(choosePlan({ $and: [{ a: { $eq: 1 } }, { c: 2 }] }, estimate)).toEqual({ field: 'a', values: [1] });
    expect(choosePlan({ $or: [{ a: 'x' }, { b: 'y' }] }, estimate)).toBeNull();
    expect(choosePlan({ a: { $gt: 'x' } }, estimate)).toBeNull();
    expect(choosePlan({ a: { $in: ['x', /re/] } }, estimate)).toBeNull();
    expect(choosePlan({ a: null }, estimate)).toBeNull();
    expect(choosePlan({ a: { v: 1 } }, estimate)).toBeNull();
  });

  it('enforce unique indexes with MongoDB rules: per array element, missing as null, compound keys', async () => {
    const store = await openFresh();
    const tags = store.collection('tags');
    await tags.createIndex({ tags: 1 }, { unique: true });
    await tags.insertOne({ _id: '1', tags: ['a', 'b', 'a'] });
    await expect(tags.insertOne({ _id: '2', tags: ['c', 'b'] })).rejects.toBeInstanceOf(DuplicateKeyError);
    await tags.insertOne({ _id: '3', tags: 'c' });
    await tags.insertOne({ _id: '4' });
    await expect(tags.insertOne({ _id: '5' })).rejects.toThrow('duplicate key in tags: { tags: null } (index tags_1)');
    await expect(tags.insertOne({ _id: '6', tags: null })).rejects.toBeInstanceOf(DuplicateKeyError);

    const pairs = store.collection('pairs');
    await pairs.createIndex({ type: 1, id: 1 }, { unique: true });
    await pairs.insertOne({ _id: 'p1', type: 'Patient', id: '1' });
    await pairs.insertOne({ _id: 'p2', type: 'Patient', id: '2' });
    await pairs.insertOne({ _id: 'o1', type: 'Observation', id: '1' });
    await expect(pairs.insertOne({ _id: 'px', type: 'Patient', id: '1' })).rejects.toBeInstanceOf(DuplicateKeyError);
    await pairs.replaceOne({ _id: 'p1' }, { _id: 'p1', type: 'Patient', id: '9' });
    await pairs.insertOne({ _id: 'px', type: 'Patient', id: '1' });
    expect(await pairs.countDocuments({ type: 'Patient' })).toBe(3);
    await store.close();
  });

  it('see through pending layers: a key freed and reused inside one transaction commits', async () => {
    const store = await openFresh();
    const c = store.collection('u');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ _id: 'old', k: 'key' });
    await store.transaction(async (tx) => {
      await tx.collection('u').deleteOne({ _id: 'old' });
      await tx.collection('u').insertOne({ _id: 'new', k: 'key' });
    });
    expect(await c.find({ k: 'key' })).toEqual([{ _id: 'new', k: 'key' }]);
    await expect(c.insertOne({ _id: 'other', k: 'key' })).rejects.toBeInstanceOf(DuplicateKeyError);
    await store.close();
  });
});
