import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { OPEN_HIGH } from '../index-values';
import { indexResource } from './index';

beforeAll(() => loadR4Definitions());

const index = (resource: Resource) => indexResource(resource, { baseUrl: 'https://relay.example/fhir' });
const UCUM = 'http://unitsofmeasure.org';

describe('quantity extraction', () => {
  it('indexes a Quantity with its precision range, system, code and unit', () => {
    const { sp, sort } = index({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'glucose' },
      valueQuantity: { value: 6.3, unit: 'mmol/l', system: UCUM, code: 'mmol/L' },
    });
    expect(sp['value-quantity']).toEqual([{ v: 6.3, lo: 6.25, hi: 6.35, s: UCUM, c: 'mmol/L', u: 'mmol/l' }]);
    expect(sort['value-quantity']).toBe(6.3);
  });

  it('indexes a Quantity without system or code, and skips one without a value', () => {
    const obs = (valueQuantity: object) => index({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity } as Resource).sp['value-quantity'];
    expect(obs({ value: 7, unit: 'pcs' })).toEqual([{ v: 7, lo: 6.5, hi: 7.5, u: 'pcs' }]);
    expect(obs({ unit: 'pcs' })).toBeUndefined();
  });

  it('indexes Money with the ISO 4217 system and the currency as code', () => {
    const { sp } = index({ resourceType: 'Invoice', status: 'issued', totalGross: { value: 48, currency: 'EUR' }, totalNet: { value: 40.22, currency: 'EUR' } });
    expect(sp.totalgross).toEqual([{ v: 48, lo: 47.5, hi: 48.5, s: 'urn:iso:std:iso:4217', c: 'EUR' }]);
    expect(sp.totalnet).toEqual([{ v: 40.22, lo: 40.215, hi: 40.225, s: 'urn:iso:std:iso:4217', c: 'EUR' }]);
  });

  it('indexes Age and Range (from low to high, open where a bound is missing)', () => {
    const condition = (onset: object) =>
      index({ resourceType: 'Condition', subject: { reference: 'Patient/p' }, ...onset } as Resource).sp['onset-age'];
    expect(condition({ onsetAge: { value: 52, unit: 'yr', system: UCUM, code: 'a' } })).toEqual([{ v: 52, lo: 51.5, hi: 52.5, s: UCUM, c: 'a', u: 'yr' }]);
    expect(condition({ onsetRange: { low: { value: 40, system: UCUM, code: 'a' }, high: { value: 50, system: UCUM, code: 'a' } } })).toEqual([
      { v: 40, lo: 39.5, hi: 50.5, s: UCUM, c: 'a' },
    ]);
    expect(condition({ onsetRange: { low: { value: 65, system: UCUM, code: 'a' } } })).toEqual([{ v: 65, lo: 64.5, hi: OPEN_HIGH, s: UCUM, c: 'a' }]);
  });

  it('indexes a Quantity with a comparator by its value, and skips SampledData', () => {
    const obs = (value: object) => index({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...value } as Resource).sp['value-quantity'];
    expect(obs({ valueQuantity: { value: 5, comparator: '<', system: UCUM, code: 'mg' } })).toEqual([{ v: 5, lo: 4.5, hi: 5.5, s: UCUM, c: 'mg' }]);
    expect(obs({ valueSampledData: { origin: { value: 2048 }, period: 10, dimensions: 1, data: '1 2 3' } })).toBeUndefined();
  });
});
