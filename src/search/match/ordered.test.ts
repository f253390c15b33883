import type { DateValueNode, NumberValueNode, QuantityValueNode } from '../ast';
import { dateMatches, numberMatches, quantityMatches } from './ordered';

const june: Omit<DateValueNode, 'prefix'> = { kind: 'date', text: '2020-06', lo: Date.UTC(2020, 5), hi: Date.UTC(2020, 6) };
const at = (prefix: DateValueNode['prefix']): DateValueNode => ({ ...june, prefix });

describe('oracle: ordered values', () => {
  it('reads date prefixes as range relations', () => {
    const day = { lo: Date.UTC(2020, 5, 10), hi: Date.UTC(2020, 5, 11) };
    const spanning = { lo: Date.UTC(2020, 4, 20), hi: Date.UTC(2020, 5, 10) };
    expect(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'].map((p) => dateMatches(day, at(p as DateValueNode['prefix']), 0))).toEqual([true, false, false, false, true, true, false, false]);
    expect(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'].map((p) => dateMatches(spanning, at(p as DateValueNode['prefix']), 0))).toEqual([false, true, false, true, false, true, false, false]);
  });

  it('widens date ap by a tenth of the distance to now', () => {
    const july15 = { lo: Date.UTC(2020, 6, 15), hi: Date.UTC(2020, 6, 16) };
    expect(dateMatches(july15, at('ap'), Date.UTC(2020, 6, 1))).toBe(false);
    expect(dateMatches(july15, at('ap'), Date.UTC(2021, 6, 1))).toBe(true);
  });

  it('compares numbers by value: eq within precision, others exactly', () => {
    const q = (prefix: NumberValueNode['prefix']): NumberValueNode => ({ kind: 'number', prefix, text: '100', value: 100, lo: 99.5, hi: 100.5 });
    const v = (x: number) => ({ v: x, lo: x, hi: x });
    expect([99.4, 99.5, 100.49, 100.5].map((x) => numberMatches(v(x), q('eq')))).toEqual([false, true, true, false]);
    expect([99.9, 100, 100.1].map((x) => numberMatches(v(x), q('gt')))).toEqual([false, false, true]);
    expect([89, 90, 110, 111].map((x) => numberMatches(v(x), q('ap')))).toEqual([false, true, true, false]);
  });

  it('matches quantity units by system and code, or code or unit', () => {
    const base: QuantityValueNode = { kind: 'quantity', prefix: 'eq', text: '5', value: 5, lo: 4.5, hi: 5.5 };
    const stored = { v: 5, lo: 5, hi: 5, s: 'urn:u', c: 'mg', u: 'milligram' };
    expect(quantityMatches(stored, { ...base, system: 'urn:u', code: 'mg' })).toBe(true);
    expect(quantityMatches(stored, { ...base, system: 'urn:u', code: 'milligram' })).toBe(false);
    expect(quantityMatches(stored, { ...base, code: 'milligram' })).toBe(true);
  });
});
