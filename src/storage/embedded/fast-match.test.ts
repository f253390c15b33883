import fc from 'fast-check';
import { Context } from 'mingo';
import { Query } from 'mingo/query';
import * as queryOperators from 'mingo/operators/query';
import { compileFastFilter } from './fast-match';

const context = Context.init({ query: queryOperators });
const mingo = (filter: Record<string, unknown>, doc: unknown) => new Query(filter, { context }).test(doc as Record<string, unknown>);

const KEYS = ['a', 'b', 'c'];
const scalar = fc.oneof(fc.constantFrom('x', 'y', ''), fc.constantFrom(0, 1, 2.5), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).v;
const doc = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 3, noNullPrototype: true });

const path = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }).map((s) => s.join('.'));
const primitive = fc.oneof(fc.constantFrom('x', 'y', ''), fc.constantFrom(0, 1, 2.5), fc.boolean());
const filterDocument = fc.letrec<{ cond: unknown; document: Record<string, unknown> }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small' },
    primitive,
    primitive.map(($eq) => ({ $eq })),
    fc.array(primitive, { minLength: 1, maxLength: 3 }).map(($in) => ({ $in })),
    fc.boolean().map(($exists) => ({ $exists })),
    fc.constantFrom('^x', 'y$', '^', 'x|y', '^X').map(($regex) => ({ $regex })),
    fc.constantFrom('^x', 'Y').map(($regex) => ({ $regex, $options: 'i' })),
    tie('document').map(($elemMatch) => ({ $elemMatch })),
  ),
  document: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(path, tie('cond')).map(([p, c]) => ({ [p]: c })),
    fc.tuple(path, tie('cond'), path, tie('cond')).map(([p, c, q, d]) => (p === q ? { [p]: c } : { [p]: c, [q]: d })),
    fc.array(tie('document'), { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })),
    fc.array(tie('document'), { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })),
  ),
})).document as unknown as fc.Arbitrary<Record<string, unknown>>;

describe('the direct filter evaluator', () => {
  it('agrees with mingo whenever it decides (random documents and filters)', () => {
    let asked = 0;
    let decided = 0;
    fc.assert(
      fc.property(filterDocument, fc.array(doc, { minLength: 1, maxLength: 8 }), (filter, docs) => {
        const fast = compileFastFilter(filter);
        if (!fast) return;
        for (const d of docs) {
          const answer = fast(d);
          asked++;
          if (answer !== undefined) decided++;
          if (answer !== undefined) expect({ filter, d, answer }).toEqual({ filter, d, answer: mingo(filter, d) });
        }
      }),
      { numRuns: 3000, seed: 20251125 },
    );
    // The comparison above means something only if the evaluator really answers most of the time.
    expect(decided / asked).toBeGreaterThan(0.5);
  });

  it('decides the search compiler\'s token and reference shapes on stored documents without mingo', () => {
    const stored = {
      _id: 'o1',
      deleted: false,
      sp: {
        code: [
          { s: 'http://loinc.org', c: '8867-4', t: 'heart rate' },
          { s: 'http://snomed.info/sct', c: '364075005' },
        ],
        subject: [{ r: 'Patient/p1' }],
        name: [{ n: 'smith', e: 'Smith' }, { n: 'ada', e: 'Ada' }],
      },
    };
    const cases: [Record<string, unknown>, boolean][] = [
      [{ deleted: false, $and: [{ 'sp.code.c': '8867-4', 'sp.code': { $elemMatch: { s: 'http://loinc.org', c: '8867-4' } } }] }, true],
      [{ deleted: false, $and: [{ 'sp.code.c': '8867-4', 'sp.code': { $elemMatch: { s: 'http://snomed.info/sct', c: '8867-4' } } }] }, false],
      [{ deleted: false, 'sp.code': { $elemMatch: { s: { $exists: false }, c: { $in: ['8867-4', 'x'] } } } }, false],
      [{ deleted: false, 'sp.subject.r': { $in: ['Patient/p1', 'Patient/p2'] } }, true],
      [{ deleted: true }, false],
      [{ $or: [{ 'sp.code.c': 'nope' }, { 'sp.subject.r': 'Patient/p1' }] }, true],
      [{ deleted: false, $and: [{ 'sp.name': { $elemMatch: { n: { $regex: '^smi' } } } }] }, true],
      [{ deleted: false, $and: [{ 'sp.name': { $elemMatch: { $or: [{ n: { $regex: 'ith' } }, { e: 'Zed' }] } } }] }, true],
      [{ 'sp.name': { $elemMatch: { n: { $regex: '^mit' } } } }, false],
    ];
    for (const [filter, expected] of cases) {
      const fast = compileFastFilter(filter);
      expect(fast).not.toBeNull();
      expect(fast?.(stored)).toBe(expected);
      expect(mingo(filter, stored)).toBe(expected);
    }
  });

  it('leaves other operators to mingo', () => {
    for (const filter of [{ a: { $gt: 1 } }, { a: null }, { a: { $regex: '^x', $options: 'x' } }, { $nor: [{ a: 1 }] }, { 'a.0': 1 }, { a: { $elemMatch: { $gt: 1 } } }, { a: { $in: [] } }]) {
      expect(compileFastFilter(filter)).toBeNull();
    }
  });

  it('asks mingo about nested arrays instead of guessing', () => {
    expect(compileFastFilter({ a: 'x' })?.({ a: [['x']] })).toBeUndefined();
    expect(compileFastFilter({ 'a.b': 'x' })?.({ a: [[{ b: 'x' }]] })).toBeUndefined();
  });
});
