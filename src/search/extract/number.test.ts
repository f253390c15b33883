import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { indexResource } from './index';
import { numberValue } from './number';

beforeAll(() => loadR4Definitions());

const index = (resource: Resource) => indexResource(resource, { baseUrl: 'https://relay.example/fhir' });

describe('number extraction', () => {
  it('gives each value the range of ±½ unit of its last digit', () => {
    expect(numberValue(100)).toEqual({ v: 100, lo: 99.5, hi: 100.5 });
    expect(numberValue(1.5)).toEqual({ v: 1.5, lo: 1.45, hi: 1.55 });
    expect(numberValue(0.02)).toEqual({ v: 0.02, lo: 0.015, hi: 0.025 });
    expect(numberValue(-2.5)).toEqual({ v: -2.5, lo: -2.55, hi: -2.45 });
    expect(numberValue(1e-7)).toEqual({ v: 1e-7, lo: 5e-8, hi: 1.5e-7 });
    expect(numberValue(0)).toEqual({ v: 0, lo: -0.5, hi: 0.5 });
    const big = numberValue(1.5e21);
    expect(big.v).toBe(1.5e21);
    expect(big.lo).toBeCloseTo(1.45e21, -18);
    expect(big.hi).toBeCloseTo(1.55e21, -18);
  });

  it('reads precision from the parsed number: trailing zeros in the JSON text are lost (1.50 → precision 0.1)', () => {
    const parsed = JSON.parse('{"v": 1.50}') as { v: number };
    expect(numberValue(parsed.v)).toEqual({ v: 1.5, lo: 1.45, hi: 1.55 });
  });

  it('indexes decimal and integer elements', () => {
    const risk = index({
      resourceType: 'RiskAssessment',
      status: 'final',
      subject: { reference: 'Patient/p' },
      prediction: [{ probabilityDecimal: 0.02 }, { probabilityDecimal: 0.5 }, { probabilityRange: { low: { value: 1 } } }],
    });
    expect(risk.sp.probability).toEqual([
      { v: 0.02, lo: 0.015, hi: 0.025 },
      { v: 0.5, lo: 0.45, hi: 0.55 },
    ]);
    expect(risk.sort.probability).toBe(0.02);
    const seq = index({ resourceType: 'MolecularSequence', coordinateSystem: 0, variant: [{ start: 22125503, end: 22125504 }] });
    expect(seq.sp['variant-start']).toEqual([{ v: 22125503, lo: 22125502.5, hi: 22125503.5 }]);
  });
});
