import type { Observation, Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { indexResource } from './index';
import { parseReference } from './reference';

beforeAll(() => loadR4Definitions());

const BASE = 'https://relay.example/fhir';
const index = (resource: Resource) => indexResource(resource, { baseUrl: BASE });
const observation = (subject: Observation['subject'], extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'x' },
  subject,
  ...extra,
});

describe('reference extraction', () => {
  it('indexes a relative reference as Type/id with its type and id', () => {
    const { sp, sort } = index(observation({ reference: 'Patient/p1', display: 'Zoë' }));
    expect(sp.subject).toEqual([{ r: 'Patient/p1', typ: 'Patient', id: 'p1' }]);
    expect(sp.patient).toEqual([{ r: 'Patient/p1', typ: 'Patient', id: 'p1' }]);
    expect(sort.subject).toBe('Patient/p1');
  });

  it('indexes an absolute reference on our own base as a local one', () => {
    expect(index(observation({ reference: `${BASE}/Patient/p1` })).sp.subject).toEqual([{ r: 'Patient/p1', typ: 'Patient', id: 'p1' }]);
  });

  it('splits a version-specific reference into Type/id and v', () => {
    expect(index(observation({ reference: 'Patient/p1/_history/3' })).sp.subject).toEqual([{ r: 'Patient/p1', typ: 'Patient', id: 'p1', v: '3' }]);
    expect(index(observation({ reference: `${BASE}/Patient/p1/_history/4` })).sp.subject).toEqual([{ r: 'Patient/p1', typ: 'Patient', id: 'p1', v: '4' }]);
  });

  it("keeps another server's absolute reference as written, with its type but no local id", () => {
    expect(index(observation({ reference: 'https://other.example/fhir/Patient/p1/_history/2' })).sp.subject).toEqual([
      { r: 'https://other.example/fhir/Patient/p1', typ: 'Patient', v: '2' },
    ]);
    expect(parseReference('https://relay.example/fhirx/Patient/p1', BASE)).toEqual({ r: 'https://relay.example/fhirx/Patient/p1', typ: 'Patient' });
  });

  it('keeps urn:uuid references as written, typed by Reference.type when given', () => {
    const uuid = 'urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349d';
    expect(index(observation({ reference: uuid })).sp.subject).toEqual([{ r: uuid }]);
    expect(index(observation({ reference: uuid, type: 'Patient' })).sp).toMatchObject({ subject: [{ r: uuid, typ: 'Patient' }], patient: [{ r: uuid, typ: 'Patient' }] });
  });

  it('keeps a contained reference as written, typed by the contained resource, without an id', () => {
    const resource = observation({ reference: '#p' }, { contained: [{ resourceType: 'Patient', id: 'p', gender: 'male' }] });
    expect(index(resource).sp).toMatchObject({ subject: [{ r: '#p', typ: 'Patient' }], patient: [{ r: '#p', typ: 'Patient' }] });
  });

  it('indexes Reference.identifier as is/ic', () => {
    const { sp } = index(observation({ identifier: { system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }, type: 'Patient' }));
    expect(sp.subject).toEqual([{ typ: 'Patient', is: 'urn:oid:1.2.36.146.595.217.0.1', ic: '12345' }]);
    expect(sp.patient).toEqual(sp.subject);
  });

  it('skips display-only references', () => {
    expect(index(observation({ display: 'Somebody' })).sp.subject).toBeUndefined();
  });

  it('applies resolve() restrictions: only references known to point at the target type', () => {
    const group = index(observation({ reference: 'Group/herd1' })).sp;
    expect(group.subject).toEqual([{ r: 'Group/herd1', typ: 'Group', id: 'herd1' }]);
    expect(group.patient).toBeUndefined();
    expect(index(observation({ identifier: { value: 'x' } })).sp.patient).toBeUndefined();
    expect(index(observation({ reference: `${BASE}/Patient/p1` })).sp.patient).toEqual([{ r: 'Patient/p1', typ: 'Patient', id: 'p1' }]);
  });

  it('indexes canonical references without |version, with the version as v', () => {
    const { sp } = index({
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      questionnaire: 'https://relay.example/Questionnaire/intake|2.1',
    });
    expect(sp.questionnaire).toEqual([{ r: 'https://relay.example/Questionnaire/intake', v: '2.1' }]);
    const unversioned = index({ resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'https://relay.example/Questionnaire/intake' });
    expect(unversioned.sp.questionnaire).toEqual([{ r: 'https://relay.example/Questionnaire/intake' }]);
  });

  it('indexes a uri used by a reference parameter as written', () => {
    const { sp } = index({ resourceType: 'ConceptMap', status: 'draft', sourceUri: 'http://snomed.info/sct?fhir_vs' });
    expect(sp['source-uri']).toEqual([{ r: 'http://snomed.info/sct?fhir_vs' }]);
  });
});
