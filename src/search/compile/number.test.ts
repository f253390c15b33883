import { run, stored } from '../../../test/helpers/search-compile';

const VALUES = [99.4, 99.5, 100, 100.4, 100.5, 101, 150, 0.15, -3];
const docs = VALUES.map((v) => stored(String(v), { probability: [{ v, lo: v, hi: v }] }));

async function ids(value: string): Promise<string[]> {
  return (await run('RiskAssessment', { probability: value }, docs)).ids;
}

describe('number search compilation', () => {
  it('matches eq within the implicit precision of the search value', async () => {
    expect(await ids('100')).toEqual(['99.5', '100', '100.4']);
    expect(await ids('100.0')).toEqual(['100']);
    expect(await ids('1e2')).toEqual(['99.4', '99.5', '100', '100.4', '100.5', '101']);
    expect(await ids('0.1')).toEqual([]);
    expect(await ids('0.2')).toEqual(['0.15']);
  });

  it('matches ne outside that range', async () => {
    expect(await ids('ne100')).toEqual(['99.4', '100.5', '101', '150', '0.15', '-3']);
  });

  it('compares gt, lt, ge, le, sa and eb with the exact value', async () => {
    expect(await ids('gt100')).toEqual(['100.4', '100.5', '101', '150']);
    expect(await ids('sa100')).toEqual(['100.4', '100.5', '101', '150']);
    expect(await ids('lt100')).toEqual(['99.4', '99.5', '0.15', '-3']);
    expect(await ids('eb100')).toEqual(['99.4', '99.5', '0.15', '-3']);
    expect(await ids('ge100')).toEqual(['100', '100.4', '100.5', '101', '150']);
    expect(await ids('le100')).toEqual(['99.4', '99.5', '100', '0.15', '-3']);
    expect(await ids('gt-3.5')).toContain('-3');
  });

  it('matches ap within 10% of the value', async () => {
    expect(await ids('ap100')).toEqual(['99.4', '99.5', '100', '100.4', '100.5', '101']);
    expect(await ids('ap140')).toEqual(['150']);
    expect(await ids('ap-3')).toEqual(['-3']);
  });
});
