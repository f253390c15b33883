import type { Observation, Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { indexResource } from './index';

beforeAll(() => loadR4Definitions());

const index = (resource: Resource) => indexResource(resource, { baseUrl: 'https://relay.example/fhir' });
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const mmHg = (value: number) => ({ value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' });

const bloodPressure: Observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2024-05-01T08:00:00Z',
  component: [
    { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: mmHg(120) },
    { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: mmHg(80) },
    { code: { coding: [{ system: LOINC, code: '8478-0' }] }, dataAbsentReason: { coding: [{ code: 'not-performed' }] } },
  ],
};

describe('composite extraction', () => {
  it('gives one value per Observation.component, keyed by component parameter code', () => {
    const { sp, sort } = index(bloodPressure);
    expect(sp['component-code-value-quantity']).toEqual([
      { 'component-code': [{ s: LOINC, c: '8480-6', k: `${LOINC}|8480-6` }], 'component-value-quantity': [{ v: 120, lo: 119.5, hi: 120.5, s: UCUM, c: 'mm[Hg]', u: 'mmHg' }] },
      { 'component-code': [{ s: LOINC, c: '8462-4', k: `${LOINC}|8462-4` }], 'component-value-quantity': [{ v: 80, lo: 79.5, hi: 80.5, s: UCUM, c: 'mm[Hg]', u: 'mmHg' }] },
    ]);
    expect(sort['component-code-value-quantity']).toBeUndefined();
  });

  it('pairs the Observation code with its own value, and skips the pair when a part is missing', () => {
    expect(index(bloodPressure).sp['code-value-quantity']).toBeUndefined();
    const glucose = index({ ...bloodPressure, component: undefined, code: { coding: [{ system: LOINC, code: '15074-8' }] }, valueQuantity: { value: 6.3, system: UCUM, code: 'mmol/L' } });
    expect(glucose.sp['code-value-quantity']).toEqual([{ code: [{ s: LOINC, c: '15074-8', k: `${LOINC}|15074-8` }], 'value-quantity': [{ v: 6.3, lo: 6.25, hi: 6.35, s: UCUM, c: 'mmol/L' }] }]);
  });

  it('pairs codes with concepts and dates', () => {
    const obs = index({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '883-9' }] },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '112144000', display: 'Blood group A' }] },
    });
    expect(obs.sp['code-value-concept']).toEqual([{ code: [{ s: LOINC, c: '883-9', k: `${LOINC}|883-9` }], 'value-concept': [{ s: 'http://snomed.info/sct', c: '112144000', k: 'http://snomed.info/sct|112144000', t: 'blood group a' }] }]);
    const dated = index({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: LOINC, code: 'x' }] }, valueDateTime: '2024-05' });
    expect(dated.sp['code-value-date']).toEqual([{ code: [{ s: LOINC, c: 'x', k: `${LOINC}|x` }], 'value-date': [{ lo: Date.UTC(2024, 4), hi: Date.UTC(2024, 5) }] }]);
  });

  it('evaluates components that use %resource (MolecularSequence chromosome-variant-coordinate)', () => {
    const { sp } = index({
      resourceType: 'MolecularSequence',
      coordinateSystem: 0,
      referenceSeq: { chromosome: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/chromosome-human', code: '1' }] }, windowStart: 10, windowEnd: 20 },
      variant: [{ start: 12, end: 13 }],
    });
    expect(sp['chromosome-variant-coordinate']).toEqual([
      {
        chromosome: [{ s: 'http://terminology.hl7.org/CodeSystem/chromosome-human', c: '1', k: 'http://terminology.hl7.org/CodeSystem/chromosome-human|1' }],
        'variant-start': [{ v: 12, lo: 11.5, hi: 12.5 }],
        'variant-end': [{ v: 13, lo: 12.5, hi: 13.5 }],
      },
    ]);
  });

  it('evaluates useContext composites (UsageContext elements)', () => {
    const { sp } = index({
      resourceType: 'Questionnaire',
      status: 'active',
      useContext: [
        { code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'age' }, valueRange: { low: { value: 18, system: UCUM, code: 'a' } } },
        { code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'focus' }, valueCodeableConcept: { text: 'Dermatology' } },
      ],
    });
    expect(sp['context-type-quantity']).toEqual([
      { 'context-type': [{ s: 'http://terminology.hl7.org/CodeSystem/usage-context-type', c: 'age', k: 'http://terminology.hl7.org/CodeSystem/usage-context-type|age' }], 'context-quantity': [{ v: 18, lo: 17.5, hi: 8.64e15, s: UCUM, c: 'a' }] },
    ]);
    expect(sp['context-type-value']).toEqual([
      { 'context-type': [{ s: 'http://terminology.hl7.org/CodeSystem/usage-context-type', c: 'focus', k: 'http://terminology.hl7.org/CodeSystem/usage-context-type|focus' }], context: [{ t: 'dermatology' }] },
    ]);
  });
});
