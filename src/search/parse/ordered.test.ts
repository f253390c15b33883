import { outcomeErrorOf } from '../../../test/helpers/outcome-error';
import { parseDateValue, parseNumberValue, parseQuantityValue, splitPrefix } from './ordered';

const errorOf = outcomeErrorOf;

describe('ordered search values', () => {
  it('reads every comparison prefix and defaults to eq', () => {
    for (const p of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']) expect(splitPrefix(`${p}5`, 'x')).toEqual({ prefix: p, rest: '5' });
    expect(splitPrefix('5', 'x')).toEqual({ prefix: 'eq', rest: '5' });
    expect(splitPrefix('-5', 'x')).toEqual({ prefix: 'eq', rest: '-5' });
  });

  it('rejects an unknown prefix with a 400 naming the parameter and the value', () => {
    const err = errorOf(() => parseDateValue('xx2020', 'birthdate'));
    expect(err.kind).toBe('invalid');
    expect(err.outcome.issue?.[0].expression).toEqual(['birthdate']);
    expect(err.message).toContain('xx2020');
  });

  it.each([
    ['2020', '2020-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z'],
    ['2020-02', '2020-02-01T00:00:00.000Z', '2020-03-01T00:00:00.000Z'],
    ['2020-02-29', '2020-02-29T00:00:00.000Z', '2020-03-01T00:00:00.000Z'],
    ['2020-02-29T10:30Z', '2020-02-29T10:30:00.000Z', '2020-02-29T10:31:00.000Z'],
    ['2020-02-29T10:30:15+01:00', '2020-02-29T09:30:15.000Z', '2020-02-29T09:30:16.000Z'],
    ['2020-02-29T10:30:15.5Z', '2020-02-29T10:30:15.500Z', '2020-02-29T10:30:15.600Z'],
    ['2020-02-29T10:30:15.123Z', '2020-02-29T10:30:15.123Z', '2020-02-29T10:30:15.124Z'],
  ])('gives %s the range its precision covers', (text, lo, hi) => {
    const v = parseDateValue(`ge${text}`, 'date');
    expect(v.prefix).toBe('ge');
    expect(new Date(v.lo).toISOString()).toBe(lo);
    expect(new Date(v.hi).toISOString()).toBe(hi);
  });

  it('rejects malformed dates', () => {
    for (const bad of ['2020-13', '2020-02-30', 'ge', 'gt2020-1-1', '20201', 'today']) {
      expect(errorOf(() => parseDateValue(bad, 'date')).kind).toBe('invalid');
    }
  });

  it.each([
    ['100', 100, 99.5, 100.5],
    ['100.00', 100, 99.995, 100.005],
    ['1e2', 100, 50, 150],
    ['1.0e2', 100, 95, 105],
    ['0.1', 0.1, 0.05, 0.15],
    ['-3', -3, -3.5, -2.5],
    ['5e-1', 0.5, 0.45, 0.55],
  ])('gives the number %s its implicit precision range', (text, value, lo, hi) => {
    expect(parseNumberValue(text, 'n')).toMatchObject({ prefix: 'eq', value, lo, hi });
  });

  it('rejects malformed numbers', () => {
    for (const bad of ['abc', '1,5', '.5', '1e', '0x10', '1e999', 'gt', 'Infinity']) {
      expect(errorOf(() => parseNumberValue(bad, 'probability')).message).toContain('probability');
    }
  });

  it('reads quantities with system and code, code only, or no unit', () => {
    expect(parseQuantityValue('le5.4|http://unitsofmeasure.org|mg', 'q')).toMatchObject({ prefix: 'le', value: 5.4, system: 'http://unitsofmeasure.org', code: 'mg' });
    const codeOnly = parseQuantityValue('5.4||mg', 'q');
    expect(codeOnly).toMatchObject({ value: 5.4, code: 'mg' });
    expect(codeOnly.system).toBeUndefined();
    expect(parseQuantityValue('5.4', 'q')).not.toHaveProperty('code');
    expect(parseQuantityValue('5|a\\|b|c\\$d', 'q')).toMatchObject({ system: 'a|b', code: 'c$d' });
  });

  it('rejects quantities with two parts or too many', () => {
    expect(errorOf(() => parseQuantityValue('5|mg', 'q')).kind).toBe('invalid');
    expect(errorOf(() => parseQuantityValue('5|a|b|c', 'q')).kind).toBe('invalid');
  });
});
