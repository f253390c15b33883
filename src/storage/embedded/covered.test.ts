import { Context } from 'mingo';
import { Query } from 'mingo/query';
import * as queryOperators from 'mingo/operators/query';
import type { Doc, Filter } from '../port';
import { coveredIds } from './covered';
import { makeIndexSpec } from './indexes';
import { arrayAt, coverableConditions } from './plan';
import { Schema, Table } from './table';

const context = Context.init({ query: queryOperators });
const mingo = (filter: Filter) => {
  const query = new Query(filter as Record<string, unknown>, { context });
  return (doc: Doc) => query.test(doc);
};

function tableOf(schema: Schema, docs: Doc[], firstSeq = 0): Table {
  const table = new Table(schema);
  docs.forEach((doc, i) => table.set(doc._id as string, { doc, seq: firstSeq + i, lsn: 0 }));
  return table;
}

function schemaOf(fields: string[]): Schema {
  const schema = new Schema();
  for (const field of fields) schema.add(makeIndexSpec({ [field]: 1 }, false));
  return schema;
}

/** The visible documents of `layers` (the topmost entry of an id wins; a null doc is a deletion). */
function visible(layers: Table[]): Doc[] {
  const byId = new Map<string, Doc | null>();
  for (const layer of layers) for (const [id, entry] of layer.entries) byId.set(id, entry.doc);
  return [...byId.values()].filter((d): d is Doc => d !== null);
}

/** coveredIds with a check that records the documents it was asked about. */
function covered(layers: Table[], filter: Filter, narrowOnly = false) {
  const matches = mingo(filter);
  const checked: string[] = [];
  const ids = coveredIds(layers, filter, (doc) => (checked.push(doc._id as string), matches(doc)), narrowOnly);
  return { ids: ids && [...ids].sort(), checked };
}

const expected = (layers: Table[], filter: Filter) => visible(layers).filter(mingo(filter)).map((d) => d._id as string).sort();

describe('index-only evaluation with $elemMatch conditions', () => {
  const fields = ['k', 'status', 'sp.due.lo', 'sp.due.hi', 'b.c'];
  // Tricky shapes beside the plain consult-like ones: a due that is an object (not an array), a scalar
  // element, values of the wrong type, missing and null values, two arrays on the way, bounds equal to
  // the operand, and equality keys that are not exact.
  const tricky: Doc[] = [
    { _id: 'plain-early', k: 'fulfill', status: 'received', sp: { due: [{ lo: 50, hi: 60 }] } },
    { _id: 'plain-bound', k: 'fulfill', status: 'received', sp: { due: [{ lo: 100, hi: 110 }] } },
    { _id: 'plain-late', k: 'fulfill', status: 'received', sp: { due: [{ lo: 500, hi: 510 }] } },
    { _id: 'two-values', k: 'fulfill', status: 'accepted', sp: { due: [{ lo: 500, hi: 510 }, { lo: 20, hi: 30 }] } },
    { _id: 'other-status', k: 'fulfill', status: 'completed', sp: { due: [{ lo: 10, hi: 20 }] } },
    { _id: 'other-code', k: 'approve', status: 'received', sp: { due: [{ lo: 10, hi: 20 }] } },
    { _id: 'status-array', k: 'fulfill', status: ['draft', 'received'], sp: { due: [{ lo: 10, hi: 20 }] } },
    { _id: 'string-due', k: 'fulfill', status: 'received', sp: { due: [{ lo: '10', hi: '20' }] } },
    { _id: 'null-due', k: 'fulfill', status: 'received', sp: { due: [{ lo: null }, {}] } },
    { _id: 'empty-due', k: 'fulfill', status: 'received', sp: { due: [] } },
    { _id: 'no-due', k: 'fulfill', status: 'received', sp: {} },
    { _id: 'no-sp', k: 'fulfill', status: 'received' },
    { _id: 'object-due', k: 'fulfill', status: 'received', sp: { due: { lo: 10, hi: 20 } } },
    { _id: 'scalar-element', k: 'fulfill', status: 'received', sp: { due: [10] } },
    { _id: 'array-lo', k: 'fulfill', status: 'received', sp: { due: [{ lo: [10, 900] }] } },
    { _id: 'array-sp', k: 'fulfill', status: 'received', sp: [{ due: { lo: 10 } }] },
    { _id: 'array-sp-due', k: 'fulfill', status: 'received', sp: [{ due: [{ lo: 10 }] }] },
    { _id: 'nested-k', k: [['fulfill']], status: 'received', sp: { due: [{ lo: 10, hi: 20 }] } },
    { _id: 'inexact-k', k: ['fulfill', ['x']], status: 'received', sp: { due: [{ lo: 10, hi: 20 }] } },
    { _id: 'b-array', k: 'fulfill', status: 'received', b: [{ c: 'x' }, { c: 'y' }] },
    { _id: 'b-object', k: 'fulfill', status: 'received', b: { c: 'x' } },
    { _id: 'b-nested', k: 'fulfill', status: 'received', b: [{ c: ['x'] }] },
  ];
  const filters: Filter[] = [];
  for (const op of ['$lt', '$lte', '$gt', '$gte']) {
    for (const bound of [100, 10, 20, 500, '10']) {
      const due = { 'sp.due': { $elemMatch: { lo: { [op]: bound } } } };
      filters.push(due, { $and: [{ k: 'fulfill' }, { status: { $in: ['requested', 'received', 'accepted'] } }, due] }, { k: 'fulfill', ...due });
    }
  }
  filters.push(
    { $and: [{ k: 'fulfill' }, { 'sp.due': { $elemMatch: { lo: { $gte: 10, $lt: 100 } } } }] },
    { $and: [{ status: 'received' }, { 'sp.due': { $elemMatch: { lo: { $lt: 100 }, hi: { $gt: 15 } } } }] },
    { $and: [{ k: 'fulfill' }, { 'sp.due': { $elemMatch: { lo: { $lt: 100 } } } }, { 'sp.due': { $elemMatch: { hi: { $gte: 20 } } } }] },
    { $and: [{ k: 'fulfill' }, { b: { $elemMatch: { c: 'x' } } }] },
    { b: { $elemMatch: { c: { $in: ['x', 'z'] } } } },
    { $and: [{ k: 'fulfill' }, { 'sp.due': { $elemMatch: { $or: [{ lo: { $lt: 20 } }, { hi: { $gt: 500 } }] } } }] },
  );

  it('answer exactly what mingo does, checking the whole filter only for documents whose equality keys are not exact', () => {
    const layers = [tableOf(schemaOf(fields), tricky)];
    for (const filter of filters) {
      const { ids, checked } = covered(layers, filter);
      expect({ filter, ids }).toEqual({ filter, ids: expected(layers, filter) });
      expect({ filter, checked: checked.filter((id) => !['nested-k', 'inexact-k'].includes(id)) }).toEqual({ filter, checked: [] });
    }
  });

  it('answer exactly what mingo does across layers (replacements, deletions and inserts above the committed state)', () => {
    const schema = schemaOf(fields);
    const bottom = tableOf(schema, tricky);
    const top = new Table(schema);
    top.set('plain-early', { doc: null, seq: 0, lsn: 1 });
    top.set('plain-late', { doc: { _id: 'plain-late', k: 'fulfill', status: 'received', sp: { due: [{ lo: 5, hi: 6 }] } }, seq: 2, lsn: 1 });
    top.set('two-values', { doc: { _id: 'two-values', k: 'fulfill', status: 'received', sp: { due: [{ lo: 900, hi: 901 }] } }, seq: 3, lsn: 1 });
    top.set('new', { doc: { _id: 'new', k: 'fulfill', status: 'received', sp: { due: [{ lo: 1, hi: 2 }] } }, seq: 100, lsn: 1 });
    const layers = [bottom, top];
    for (const filter of filters) expect({ filter, ids: covered(layers, filter).ids }).toEqual({ filter, ids: expected(layers, filter) });
  });

  it('check an equality that every document held until one of them changed', () => {
    const schema = schemaOf(fields);
    const docs: Doc[] = Array.from({ length: 6 }, (_, i) => ({ _id: `d${i}`, k: 'fulfill', status: 'received', sp: { due: [{ lo: i * 10 }] } }));
    const table = tableOf(schema, docs);
    const filter = { $and: [{ k: 'fulfill' }, { status: { $in: ['received', 'accepted'] } }, { 'sp.due': { $elemMatch: { lo: { $lt: 45 } } } }] };
    expect(covered([table], filter).ids).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
    table.set('d2', { doc: { _id: 'd2', k: 'approve', status: 'received', sp: { due: [{ lo: 20 }] } }, seq: 2, lsn: 1 });
    table.set('d3', { doc: { _id: 'd3', k: 'fulfill', status: 'completed', sp: { due: [{ lo: 30 }] } }, seq: 3, lsn: 1 });
    expect(covered([table], filter).ids).toEqual(['d0', 'd1', 'd4']);
    const top = new Table(schema);
    top.set('d0', { doc: { _id: 'd0', k: 'approve', status: 'received', sp: { due: [{ lo: 0 }] } }, seq: 0, lsn: 2 });
    expect(covered([table, top], filter).ids).toEqual(['d1', 'd4']);
  });

  it('are index-only: the overdue worklist\'s filter is answered from the indexes, its range driving', () => {
    const schema = schemaOf(['sp.code.k', 'sp.status.c', 'sp.due.lo', 'sp.due.hi', 'deleted']);
    const docs: Doc[] = [];
    for (let i = 0; i < 1000; i++) {
      const due = i * 10;
      docs.push({
        _id: `t${String(i).padStart(4, '0')}`,
        deleted: false,
        sp: {
          code: [{ s: 'http://hl7.org/fhir/CodeSystem/task-code', c: 'fulfill', k: 'http://hl7.org/fhir/CodeSystem/task-code|fulfill' }],
          status: [{ c: i % 7 === 0 ? 'completed' : 'received' }],
          due: [{ lo: due, hi: due + 1 }],
        },
      });
    }
    const layers = [tableOf(schema, docs)];
    const filter = {
      $and: [
        { 'sp.code.k': 'http://hl7.org/fhir/CodeSystem/task-code|fulfill' },
        { 'sp.status.c': { $in: ['requested', 'received', 'accepted', 'in-progress', 'on-hold'] } },
        { 'sp.due': { $elemMatch: { lo: { $lt: 800 } } } },
      ],
    };
    const plan = { field: 'sp.due.lo', range: { high: { value: 800, inclusive: false } } };
    expect(coverableConditions(filter)?.elements).toEqual([{ filter: filter.$and[2], plans: [plan], keyed: { plan, path: ['sp', 'due'] } }]);
    const { ids, checked } = covered(layers, filter, true);
    expect(ids).toEqual(expected(layers, filter));
    expect(ids).toHaveLength(68);
    expect(checked).toEqual([]);
    // With an equality every document holds, the range's ids are read at once.
    const byCode = { $and: [filter.$and[0], filter.$and[2]] };
    expect(covered(layers, byCode)).toEqual({ ids: expected(layers, byCode), checked: [] });
    expect(covered(layers, byCode).ids).toHaveLength(80);
    // Its equalities alone hold every document: only the range makes the first page worth reading from the indexes.
    const broad = { $and: [filter.$and[0], filter.$and[1], { 'sp.due': { $elemMatch: { lo: { $lt: 9000 } } } }] };
    expect(coveredIds(layers, broad, () => true, true)).toBeNull();
    expect(coveredIds(layers, broad, () => true)).toHaveLength(771);
  });

  it('are not used for filters they cannot answer, nor without an index to drive them', () => {
    const layers = [tableOf(schemaOf(fields), tricky)];
    const none = () => {
      throw new Error('not index-only');
    };
    for (const filter of [
      { 'sp.due.lo': { $lt: 100 } },
      { $or: [{ k: 'fulfill' }, { 'sp.due': { $elemMatch: { lo: { $lt: 100 } } } }] },
      { k: 'fulfill', 'sp.due': { $elemMatch: { lo: { $lt: 100 } }, $size: 1 } },
      { 'sp.due': { $elemMatch: { $or: [{ lo: { $lt: 20 } }, { hi: { $gt: 500 } }] } } },
      { unindexed: { $elemMatch: { lo: { $lt: 100 } } } },
      { k: 'fulfill', n: { $elemMatch: {} } },
    ]) {
      expect({ filter, ids: coveredIds(layers, filter, none) }).toEqual({ filter, ids: null });
    }
  });

  it('decide a lone sub-field range from exact keys only when the range is all the condition says', () => {
    const keyed = (condition: unknown) => coverableConditions({ k: 'x', 'sp.due': { $elemMatch: { lo: condition } } })?.elements[0].keyed?.plan.range;
    expect(keyed({ $lt: 5 })).toEqual({ high: { value: 5, inclusive: false } });
    expect(keyed({ $gte: 'a', $lt: 'b' })).toEqual({ low: { value: 'a', inclusive: true }, high: { value: 'b', inclusive: false } });
    expect(keyed({ $gt: 5, $gte: 2, $lte: 9 })).toEqual({ low: { value: 5, inclusive: false }, high: { value: 9, inclusive: true } });
    // A prefix regex is a superset of its matches; mixed types and other operators are more than a range.
    for (const condition of [{ $regex: '^a' }, { $lt: 5, $lte: 'x' }, { $lt: 5, $ne: 3 }, { $lt: Number.NaN }, { $lt: true }, { $lt: null }, 5, { $in: [1, 2] }]) {
      expect({ condition, keyed: keyed(condition) }).toEqual({ condition, keyed: undefined });
    }
    for (const filter of [
      { 'sp.due': { $elemMatch: { lo: { $lt: 5 }, hi: { $gt: 1 } } } },
      { 'sp.due': { $elemMatch: { 'lo.x': { $lt: 5 } } } },
      { 'sp.0': { $elemMatch: { lo: { $lt: 5 } } } },
      { 'sp.due': { $elemMatch: { $or: [{ lo: { $lt: 5 } }] } } },
    ]) {
      expect({ filter, keyed: coverableConditions(filter)?.elements[0].keyed }).toEqual({ filter, keyed: undefined });
    }
  });

  it('read an array at a path where mingo\'s $elemMatch does', () => {
    const filter = { 'sp.due': { $elemMatch: {} } };
    const docs: Doc[] = [
      { _id: 'a', sp: { due: [{ lo: 1 }] } },
      { _id: 'b', sp: { due: { lo: 1 } } },
      { _id: 'c', sp: [{ due: { lo: 1 } }] },
      { _id: 'd', sp: [{ due: 3 }, { due: { lo: 1 } }] },
      { _id: 'e', sp: { due: 'x' } },
      { _id: 'f', sp: null },
      { _id: 'g' },
      { _id: 'h', sp: { due: [] } },
    ];
    // mingo's { $elemMatch: {} } matches an array holding an object: those documents read an array at sp.due.
    const matches = mingo(filter);
    for (const doc of docs) if (matches(doc)) expect({ id: doc._id, array: arrayAt(doc, ['sp', 'due']) }).toEqual({ id: doc._id, array: true });
    expect(docs.filter((d) => arrayAt(d, ['sp', 'due'])).map((d) => d._id)).toEqual(['a', 'c', 'd', 'h']);
  });
});
