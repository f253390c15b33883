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
/** Operands of $lt and the like: the scalars of the documents and values between and beside them. */
const comparable = fc.oneof(fc.constantFrom('x', 'y', '', 'xa', 'Y'), fc.constantFrom(0, 1, 2.5, -1, 3), fc.boolean(), fc.constant(null));
const filterDocument = fc.letrec<{ cond: unknown; document: Record<string, unknown> }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small' },
    primitive,
    primitive.map(($eq) => ({ $eq })),
    fc.array(primitive, { minLength: 1, maxLength: 3 }).map(($in) => ({ $in })),
    fc.boolean().map(($exists) => ({ $exists })),
    fc.constantFrom('^x', 'y$', '^', 'x|y', '^X').map(($regex) => ({ $regex })),
    fc.constantFrom('^x', 'Y').map(($regex) => ({ $regex, $options: 'i' })),
    fc.constantFrom('$lt', '$lte', '$gt', '$gte').chain((op) => comparable.map((operand) => ({ [op]: operand }))),
    fc.tuple(comparable, comparable).map(([$gte, $lt]) => ({ $gte, $lt })),
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
    for (const filter of [{ a: { $gt: true } }, { a: { $lt: null } }, { a: { $lt: [1] } }, { a: { $lt: { b: 1 } } }, { a: { $lt: Number.NaN } }, { a: { $gt: 1, $ne: 2 } }, { a: null }, { a: { $regex: '^x', $options: 'x' } }, { $nor: [{ a: 1 }] }, { 'a.0': 1 }, { a: { $elemMatch: { $gt: 1 } } }, { a: { $in: [] } }]) {
      expect(compileFastFilter(filter)).toBeNull();
    }
  });

  it('asks mingo about nested arrays instead of guessing', () => {
    expect(compileFastFilter({ a: 'x' })?.({ a: [['x']] })).toBeUndefined();
    expect(compileFastFilter({ 'a.b': 'x' })?.({ a: [[{ b: 'x' }]] })).toBeUndefined();
  });

  describe('$lt, $lte, $gt and $gte', () => {
    const docs: unknown[] = [
      {},
      { a: null },
      { a: 5 },
      { a: 10 },
      { a: -0 },
      { a: 5.5 },
      { a: '5' },
      { a: 'abc' },
      { a: 'abd' },
      { a: '' },
      { a: true },
      { a: [] },
      { a: [1, 20] },
      { a: [20, 30] },
      { a: ['1', 1] },
      { a: ['abc', 5] },
      { a: [null, 7] },
      { a: [[1], 20] },
      { a: { b: 1 } },
      { a: [{ b: 1 }, { b: 12 }] },
      { a: [{ b: '1' }, {}] },
      { a: [{ b: [1] }] },
      { a: [{ b: [1, 30] }, { b: 30 }] },
      { a: [1, { b: 2 }] },
      { a: { b: [3, 11] } },
      { a: { b: { c: 4 } } },
      { sp: { due: [{ lo: 100, hi: 200 }] } },
      { sp: { due: [{ lo: 99, hi: 100 }, { lo: 300, hi: 400 }] } },
      { sp: { due: [{ lo: 300, hi: 400 }, { hi: 50 }] } },
      { sp: { due: [{ lo: '99' }] } },
      { sp: { due: [{ lo: null }, {}] } },
      { sp: { due: [] } },
      { sp: { due: { lo: 50 } } },
      { sp: { due: [50] } },
      { sp: { due: [{ lo: [50] }] } },
      { sp: { due: [[{ lo: 50 }]] } },
      { sp: [{ due: [{ lo: 50 }] }] },
      { sp: [{ due: { lo: 50 } }] },
      { sp: null },
    ];
    const filters: Record<string, unknown>[] = [];
    for (const op of ['$lt', '$lte', '$gt', '$gte']) {
      for (const operand of [5, 10, 0, -1, 5.5, 'abc', '5', '', 'b']) filters.push({ a: { [op]: operand } }, { 'a.b': { [op]: operand } });
      for (const operand of [100, 99, 300, 50, '99']) filters.push({ 'sp.due': { $elemMatch: { lo: { [op]: operand } } } });
    }
    filters.push({ a: { $gte: 5, $lt: 10 } }, { a: { $gt: 10, $lt: 5 } }, { a: { $gt: 'abc', $lte: 'abd' } }, { 'a.b': { $gte: 2, $lte: 11 } });
    filters.push({ 'sp.due': { $elemMatch: { lo: { $lt: 300 }, hi: { $gt: 150 } } } }, { 'sp.due': { $elemMatch: { lo: { $gte: 99, $lt: 301 } } } });

    it('agree with mingo on arrays, subdocuments, missing fields, mixed types and bounds equal to the operand', () => {
      let decided = 0;
      let asked = 0;
      for (const filter of filters) {
        const fast = compileFastFilter(filter);
        expect({ filter, compiled: fast !== null }).toEqual({ filter, compiled: true });
        for (const d of docs) {
          const answer = fast?.(d);
          asked++;
          if (answer === undefined) continue;
          decided++;
          expect({ filter, d, answer }).toEqual({ filter, d, answer: mingo(filter, d) });
        }
      }
      // Only the shapes mingo reads in its own way are left to it (nested arrays, scalars in $elemMatch, paths through arrays there).
      expect(decided / asked).toBeGreaterThan(0.9);
    });

    it('decide plain values and plain arrays themselves, without mingo', () => {
      const plain = [{ a: 5 }, { a: '5' }, { a: [1, 20] }, { a: [{ b: 1 }, { b: 12 }] }, { sp: { due: [{ lo: 99, hi: 100 }, { lo: 300, hi: 400 }] } }, { sp: { due: { lo: 50 } } }, {}];
      for (const filter of filters) for (const d of plain) expect({ filter, d, answer: compileFastFilter(filter)?.(d) }).toEqual({ filter, d, answer: mingo(filter, d) });
    });

    it('decide the overdue worklist\'s filter on a stored consult Task', () => {
      const filter = {
        $and: [
          { 'sp.code.k': 'http://hl7.org/fhir/CodeSystem/task-code|fulfill' },
          { 'sp.status.c': { $in: ['requested', 'received', 'accepted', 'in-progress', 'on-hold'] } },
          { 'sp.due': { $elemMatch: { lo: { $lt: 1772481600000 } } } },
        ],
      };
      const task = (due: number) => ({
        _id: 't',
        deleted: false,
        sp: {
          code: [{ s: 'http://hl7.org/fhir/CodeSystem/task-code', c: 'fulfill', k: 'http://hl7.org/fhir/CodeSystem/task-code|fulfill' }],
          status: [{ c: 'received', k: 'http://hl7.org/fhir/task-status|received' }],
          due: [{ lo: due, hi: due + 1000 }],
        },
      });
      const fast = compileFastFilter(filter);
      for (const [due, expected] of [[1772481600000 - 1, true], [1772481600000, false], [1772481600000 + 3_600_000, false]] as const) {
        expect(fast?.(task(due))).toBe(expected);
        expect(mingo(filter, task(due))).toBe(expected);
      }
    });
  });
});
