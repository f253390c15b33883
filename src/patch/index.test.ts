import type { Patient } from '@medplum/fhirtypes';
import { applyPatch, JSON_PATCH } from './index';
import { outcomeErrorOf } from '../../test/helpers/outcome-error';

const patient: Patient = { resourceType: 'Patient', id: 'p1', gender: 'male' };
const fhirPathReplace = {
  resourceType: 'Parameters',
  parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.gender' }, { name: 'value', valueCode: 'female' }] }],
};
const first = (fn: () => unknown) => {
  const err = outcomeErrorOf(fn);
  return { kind: err.kind, expression: err.outcome.issue?.[0].expression?.[0], text: err.outcome.issue?.[0].details?.text ?? '' };
};

describe('applyPatch: choosing JSON Patch or FHIRPath Patch', () => {
  it('applies a JSON Patch when the media type is application/json-patch+json', () => {
    expect(applyPatch(patient, [{ op: 'replace', path: '/gender', value: 'female' }], JSON_PATCH)).toEqual({ ...patient, gender: 'female' });
  });

  it('applies a FHIRPath Patch for a Parameters body in FHIR JSON, plain JSON, or with no media type (a Bundle entry)', () => {
    for (const type of ['application/fhir+json', 'application/json', undefined]) {
      expect(applyPatch(patient, fhirPathReplace, type)).toEqual({ ...patient, gender: 'female' });
    }
  });

  it('answers 415 for other media types', () => {
    expect(first(() => applyPatch(patient, fhirPathReplace, 'application/merge-patch+json')).kind).toBe('unsupported-media-type');
    expect(first(() => applyPatch(patient, '<diff/>', 'application/xml-patch+xml')).kind).toBe('unsupported-media-type');
  });

  it('refuses a JSON Patch array sent as FHIR JSON, saying which media type to use', () => {
    const f = first(() => applyPatch(patient, [{ op: 'remove', path: '/gender' }], 'application/fhir+json'));
    expect(f.kind).toBe('invalid');
    expect(f.text).toContain(JSON_PATCH);
  });

  it('refuses a missing body and a FHIR JSON body that is not Parameters', () => {
    expect(first(() => applyPatch(patient, undefined, JSON_PATCH)).kind).toBe('invalid');
    expect(first(() => applyPatch(patient, { resourceType: 'Patient' }, 'application/fhir+json'))).toMatchObject({ kind: 'invalid', expression: 'resourceType' });
  });

  it('refuses a patch that changes the id or the resourceType (400 with the expression)', () => {
    expect(first(() => applyPatch(patient, [{ op: 'replace', path: '/id', value: 'p2' }], JSON_PATCH))).toMatchObject({ kind: 'invalid', expression: 'Patient.id' });
    expect(first(() => applyPatch(patient, [{ op: 'remove', path: '/id' }], JSON_PATCH))).toMatchObject({ kind: 'invalid', expression: 'Patient.id' });
    expect(first(() => applyPatch(patient, [{ op: 'replace', path: '/resourceType', value: 'Person' }], JSON_PATCH))).toMatchObject({ kind: 'invalid', expression: 'resourceType' });
    const replaceId = { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.id' }, { name: 'value', valueId: 'p2' }] }] };
    expect(first(() => applyPatch(patient, replaceId, 'application/fhir+json'))).toMatchObject({ kind: 'invalid', expression: 'Patient.id' });
    expect(first(() => applyPatch(patient, [{ op: 'replace', path: '', value: [] }], JSON_PATCH)).kind).toBe('invalid');
  });
});
