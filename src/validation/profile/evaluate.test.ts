import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { compileProfile } from './compile';
import { checkAgainstProfile } from './evaluate';

/** A small profile on Patient: identifier sliced closed by system with a required MRN slice; photo prohibited; an invariant. */
function profile(): StructureDefinition {
  const elements: ElementDefinition[] = [
    { id: 'Patient', path: 'Patient', constraint: [{ key: 'test-1', severity: 'error', human: 'a patient has a name', expression: 'name.exists()', source: 'urn:test:patient' }] },
    { id: 'Patient.identifier', path: 'Patient.identifier', min: 0, max: '*', base: { path: 'Patient.identifier', min: 0, max: '*' }, slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'closed' } },
    { id: 'Patient.identifier:mrn', path: 'Patient.identifier', sliceName: 'mrn', min: 1, max: '1', base: { path: 'Patient.identifier', min: 0, max: '*' } },
    { id: 'Patient.identifier:mrn.system', path: 'Patient.identifier.system', min: 1, max: '1', fixedUri: 'urn:mrn', base: { path: 'Identifier.system', min: 0, max: '1' } },
    { id: 'Patient.photo', path: 'Patient.photo', min: 0, max: '0', base: { path: 'Patient.photo', min: 0, max: '*' } },
    { id: 'Patient.gender', path: 'Patient.gender', min: 1, max: '1', patternCode: 'female', base: { path: 'Patient.gender', min: 0, max: '1' } },
  ];
  return {
    resourceType: 'StructureDefinition',
    url: 'urn:test:patient',
    name: 'TestPatient',
    status: 'active',
    kind: 'resource',
    abstract: false,
    type: 'Patient',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
    derivation: 'constraint',
    snapshot: { element: elements },
    differential: { element: elements },
  };
}

const check = (patient: object) => checkAgainstProfile({ resourceType: 'Patient', ...patient }, compileProfile(profile()), () => undefined, 'Patient').map((i) => `${i.severity} ${i.code} ${i.expression?.[0]}: ${i.details?.text}`);

describe('checking a resource against a profile', () => {
  it('accepts a conforming resource', () => {
    expect(check({ name: [{ family: 'A' }], gender: 'female', identifier: [{ system: 'urn:mrn', value: '1' }] })).toEqual([]);
  });

  it('reports closed slicing, a missing required slice, a prohibited element, a pattern and an invariant, each at its element', () => {
    const issues = check({ gender: 'male', identifier: [{ system: 'urn:other', value: '1' }], photo: [{ contentType: 'image/png' }] });
    expect(issues).toEqual([
      expect.stringMatching(/^error invariant Patient: Patient: constraint test-1 failed: a patient has a name/),
      expect.stringMatching(/^error required Patient\.identifier: Patient\.identifier \(slice "mrn"\): at least 1 required, but none is present \(profile urn:test:patient\)$/),
      expect.stringMatching(/^error structure Patient\.identifier\[0\]: Patient\.identifier\[0\] matches none of the slices of Patient\.identifier \(mrn\), and the slicing is closed/),
      expect.stringMatching(/^error structure Patient\.photo: Patient\.photo must be absent, but 1 is present/),
      expect.stringMatching(/^error value Patient\.gender: Patient\.gender must match the pattern "female", but is "male"/),
    ]);
  });

  it('counts a slice per parent and reports too many', () => {
    const issues = check({ name: [{ family: 'A' }], gender: 'female', identifier: [{ system: 'urn:mrn', value: '1' }, { system: 'urn:mrn', value: '2' }] });
    expect(issues).toEqual([expect.stringMatching(/^error structure Patient\.identifier: Patient\.identifier \(slice "mrn"\): at most 1 allowed, but 2 are present/)]);
  });
});
