import { run, stored } from '../../../test/helpers/search-compile';

const UCUM = 'http://unitsofmeasure.org';
const docs = [
  stored('mg', { 'value-quantity': [{ v: 5.4, lo: 5.35, hi: 5.45, s: UCUM, c: 'mg', u: 'mg' }] }),
  stored('mmhg', { 'value-quantity': [{ v: 5.4, lo: 5.35, hi: 5.45, s: UCUM, c: 'mm[Hg]', u: 'mmHg' }] }),
  stored('unit-only', { 'value-quantity': [{ v: 5.4, lo: 5.35, hi: 5.45, u: 'mg' }] }),
  stored('other-system', { 'value-quantity': [{ v: 5.4, lo: 5.35, hi: 5.45, s: 'urn:x', c: 'mg' }] }),
  stored('big', { 'value-quantity': [{ v: 120, lo: 119.5, hi: 120.5, s: UCUM, c: 'mg' }] }),
];

async function ids(value: string): Promise<string[]> {
  return (await run('Observation', { 'value-quantity': value }, docs)).ids;
}

describe('quantity search compilation', () => {
  it('matches the number alone like a number parameter', async () => {
    expect(await ids('5.4')).toEqual(['mg', 'mmhg', 'unit-only', 'other-system']);
    expect(await ids('gt100')).toEqual(['big']);
  });

  it('requires system and code with number|system|code', async () => {
    expect(await ids(`5.4|${UCUM}|mg`)).toEqual(['mg']);
    expect(await ids(`le200|${UCUM}|mg`)).toEqual(['mg', 'big']);
  });

  it('matches the code or the unit with number||code', async () => {
    expect(await ids('5.4||mg')).toEqual(['mg', 'unit-only', 'other-system']);
    expect(await ids('5.4||mmHg')).toEqual(['mmhg']);
  });

  it('does not convert units', async () => {
    expect(await ids(`5400|${UCUM}|ug`)).toEqual([]);
  });
});
