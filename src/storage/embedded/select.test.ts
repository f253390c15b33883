import type { Doc, Filter } from '../port';
import { makeIndexSpec } from './indexes';
import { count, select } from './select';
import { Schema, Table } from './table';

function consults(n: number): Table {
  const schema = new Schema();
  for (const field of ['k', 'sp.due.lo', 'name', 'names.n']) schema.add(makeIndexSpec({ [field]: 1 }, false));
  const table = new Table(schema);
  for (let i = 0; i < n; i++) table.set(`t${String(i).padStart(3, '0')}`, { doc: { _id: `t${String(i).padStart(3, '0')}`, k: 'fulfill', name: `n${i % 10}`, names: [{ n: `n${i % 10}` }], sp: { due: [{ lo: i }] } }, seq: i, lsn: 0 });
  return table;
}

const ids = (docs: Doc[]) => docs.map((d) => d._id);

describe('a count that follows a find of the same filter', () => {
  it('reuses the matches the find found from the indexes while nothing changed', () => {
    const table = consults(100);
    const filter: Filter = { $and: [{ k: 'fulfill' }, { 'sp.due': { $elemMatch: { lo: { $lt: 30 } } } }] };
    expect(ids(select([table], filter, { sort: { _id: 1 }, limit: 3 }))).toEqual(['t000', 't001', 't002']);
    // Behind the table's back (no set or delete, so its version stays): only a remembered answer can still count 30.
    const saved = new Map(table.entries);
    table.entries.clear();
    expect(count([table], filter)).toBe(30);
    for (const [id, entry] of saved) table.entries.set(id, entry);
  });

  it('counts afresh once the table changed, the filter object changed, or another filter or table is asked', () => {
    const table = consults(100);
    const filter: Filter = { $and: [{ k: 'fulfill' }, { 'sp.due': { $elemMatch: { lo: { $lt: 30 } } } }] };
    select([table], filter, { sort: { _id: 1 }, limit: 3 });
    table.set('t005', { doc: { _id: 't005', k: 'approve', sp: { due: [{ lo: 5 }] } }, seq: 5, lsn: 1 });
    expect(count([table], filter)).toBe(29);

    select([table], filter, { sort: { _id: 1 }, limit: 3 });
    table.delete('t006');
    expect(count([table], filter)).toBe(28);

    select([table], filter, { sort: { _id: 1 }, limit: 3 });
    (filter.$and as Filter[])[1] = { 'sp.due': { $elemMatch: { lo: { $lt: 10 } } } };
    expect(count([table], filter)).toBe(8);

    const byName: Filter = { k: 'fulfill', name: { $regex: '^n1' } };
    select([table], { k: 'fulfill', name: 'n1' }, { sort: { _id: 1 } });
    expect(count([table], byName)).toBe(10);

    const element = { n: /^n1/ };
    const withRegex: Filter = { k: 'fulfill', names: { $elemMatch: element } };
    expect(ids(select([table], withRegex, { sort: { _id: 1 }, limit: 2 }))).toEqual(['t001', 't011']);
    element.n = /^n[23]/;
    expect(count([table], withRegex)).toBe(20);
    expect(ids(select([table], withRegex, { sort: { _id: 1 }, limit: 2 }))).toEqual(['t002', 't003']);

    const other = consults(40);
    select([table], filter, { sort: { _id: 1 } });
    expect(count([other], filter)).toBe(10);
  });
});
