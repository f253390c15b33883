import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { indexResource } from './index';

beforeAll(() => loadR4Definitions());

const index = (resource: Resource) => indexResource(resource, { baseUrl: 'https://relay.example/fhir' });

describe('uri extraction', () => {
  it('indexes uri elements as written', () => {
    const { sp, sort } = index({ resourceType: 'ValueSet', status: 'active', url: 'http://hl7.org/fhir/ValueSet/example-extensional', meta: { source: 'urn:uuid:1' } });
    expect(sp.url).toEqual([{ u: 'http://hl7.org/fhir/ValueSet/example-extensional' }]);
    expect(sp._source).toEqual([{ u: 'urn:uuid:1' }]);
    expect(sort.url).toBe('http://hl7.org/fhir/ValueSet/example-extensional');
  });

  it('indexes canonicals without |version (meta.profile)', () => {
    const { sp } = index({
      resourceType: 'Patient',
      meta: { profile: ['https://relay.example/StructureDefinition/consult-patient|1.2.0', 'http://hl7.org/fhir/StructureDefinition/Patient'] },
    });
    expect(sp._profile).toEqual([{ u: 'https://relay.example/StructureDefinition/consult-patient' }, { u: 'http://hl7.org/fhir/StructureDefinition/Patient' }]);
  });
});
