import { nodes } from '../../test/helpers/search-compile';
import type { FilterNode } from './ast';
import { normaliseFilters } from './normalise';

const BASE = 'https://relay.example/fhir';
const NOW = Date.UTC(2020, 0, 1);
const options = { baseUrl: BASE, now: NOW };

function normalise(type: string, query: Record<string, string>): FilterNode[] {
  return normaliseFilters(nodes(type, query), options);
}

describe('search normalisation', () => {
  it('lifts token :not and :not-in to a resource-level not', () => {
    const [not, notIn] = normalise('Patient', { 'gender:not': 'male', 'gender:not-in': 'http://hl7.org/fhir/ValueSet/administrative-gender' });
    expect(not).toMatchObject({ kind: 'not', inner: { kind: 'token', values: [{ code: 'male' }] } });
    expect((not as { inner: object }).inner).not.toHaveProperty('modifier');
    expect(notIn).toMatchObject({ kind: 'not', inner: { kind: 'in' } });
  });

  it('folds string values the way stored values are folded', () => {
    const [name, text] = normalise('Patient', { name: '  ZOË\tMüller ', 'language:text': 'Français' });
    expect(name).toMatchObject({ values: [{ text: '  ZOË\tMüller ', folded: 'zoe muller' }] });
    expect(text).toMatchObject({ values: [{ folded: 'francais' }] });
  });

  it('widens ap: numbers by 10% of the value, dates by 10% of their distance from now', () => {
    const [n] = normalise('RiskAssessment', { probability: 'ap100' });
    expect(n).toMatchObject({ values: [{ approx: [90, 110] }] });
    const [small] = normalise('RiskAssessment', { probability: 'ap0' });
    expect(small).toMatchObject({ values: [{ approx: [-0.5, 0.5] }] });
    const [d] = normalise('Patient', { birthdate: 'ap2010-01-01' });
    const lo = Date.UTC(2010, 0, 1);
    const delta = Math.round((NOW - (lo + lo + 86_400_000) / 2) / 10);
    expect(d).toMatchObject({ values: [{ approx: [lo - delta, lo + 86_400_000 + delta] }] });
    const [plain] = normalise('Patient', { birthdate: 'ge2010' });
    expect((plain as { values: object[] }).values[0]).not.toHaveProperty('approx');
  });

  it('turns references into the stored values they match', () => {
    const refs = (query: Record<string, string>) => (normalise('Observation', query)[0] as { values: { refs?: string[] }[] }).values.map((v) => v.refs);
    expect(refs({ subject: '1' })).toEqual([['Group/1', 'Device/1', 'Patient/1', 'Location/1']]);
    expect(refs({ patient: '1' })).toEqual([['Patient/1']]);
    expect(refs({ subject: 'Patient/1' })).toEqual([['Patient/1']]);
    expect(refs({ subject: `${BASE}/Patient/1/_history/3` })).toEqual([['Patient/1']]);
    expect(refs({ subject: 'https://other.example/fhir/Patient/1' })).toEqual([['https://other.example/fhir/Patient/1']]);
    expect(refs({ subject: `${BASE}/Nope/1` })).toEqual([[`${BASE}/Nope/1`]]);
  });

  it('normalises inside chains, reverse chains and composites', () => {
    const [chain, has, composite] = normalise('Observation', {
      'subject:Patient.name': 'Éve',
      'patient._has:Observation:subject:value-quantity': 'ap10',
      'component-code-value-quantity': 'x$ap5',
    });
    expect(chain).toMatchObject({ inner: { values: [{ folded: 'eve' }] } });
    expect(has).toMatchObject({ inner: { inner: { values: [{ approx: [9, 11] }] } } });
    expect(composite).toMatchObject({ values: [{ components: [{}, { value: { approx: [4.5, 5.5] } }] }] });
  });

  it('is idempotent, so resolvers can compile normalised filters again', () => {
    const once = normalise('Observation', {
      'code:not': 'x',
      'status:not-in': 'http://hl7.org/fhir/ValueSet/observation-status',
      'subject:Patient.name': 'Éve',
      date: 'ap2019',
      subject: '1',
      'value-quantity': 'ap5',
    });
    expect(normaliseFilters(once, options)).toEqual(once);
  });
});
