import { run, stored } from '../../../test/helpers/search-compile';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const bp = (id: string, ...components: [string, number][]) =>
  stored(id, {
    'component-code-value-quantity': components.map(([code, v]) => ({
      'component-code': [{ s: LOINC, c: code }],
      'component-value-quantity': [{ v, lo: v - 0.5, hi: v + 0.5, s: UCUM, c: 'mm[Hg]' }],
    })),
  });

const docs = [bp('high', ['8480-6', 150], ['8462-4', 95]), bp('normal', ['8480-6', 120], ['8462-4', 80]), bp('crossed', ['8480-6', 80], ['8462-4', 150])];

describe('composite search compilation', () => {
  it('matches components within the same element only', async () => {
    const { ids, filter } = await run('Observation', { 'component-code-value-quantity': `${LOINC}|8480-6$gt140` }, docs);
    expect(ids).toEqual(['high']);
    expect(filter.$and).toEqual([
      {
        'sp.component-code-value-quantity': {
          $elemMatch: { 'component-code': { $elemMatch: { s: LOINC, c: '8480-6' } }, 'component-value-quantity': { $elemMatch: { v: { $gt: 140 } } } },
        },
      },
    ]);
  });

  it('ORs composite values and escapes separators inside components', async () => {
    expect((await run('Observation', { 'component-code-value-quantity': `8480-6$lt100,8462-4$gt140|${UCUM.replace(/\|/g, '\\|')}|mm[Hg]` }, docs)).ids).toEqual(['crossed']);
  });

  it('rejects a composite value with the wrong number of components', async () => {
    await expect(run('Observation', { 'component-code-value-quantity': '8480-6' }, docs)).rejects.toThrow('2 components');
  });
});
