import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { indexResource } from './index';

beforeAll(() => loadR4Definitions());

const index = (resource: Resource) => indexResource(resource, { baseUrl: 'https://relay.example/fhir' });

describe('token extraction', () => {
  it('indexes each coding of a CodeableConcept, and its text as a value of its own', () => {
    const { sp, sort } = index({
      resourceType: 'Observation',
      status: 'final',
      code: {
        coding: [
          { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' },
          { system: 'http://snomed.info/sct', code: '364075005', display: 'Heart Rate (observable entity)' },
          { code: 'hr-local' },
        ],
        text: 'Pulse  Rate',
      },
    });
    expect(sp.code).toEqual([
      { s: 'http://loinc.org', c: '8867-4', k: 'http://loinc.org|8867-4', t: 'heart rate' },
      { s: 'http://snomed.info/sct', c: '364075005', k: 'http://snomed.info/sct|364075005', t: 'heart rate (observable entity)' },
      { c: 'hr-local' },
      { t: 'pulse rate' },
    ]);
    expect(sp.status).toEqual([{ c: 'final' }]);
    expect(sort.code).toBe('364075005');
  });

  it('keys system and code together with "|" and "\\" in the system escaped', () => {
    const { sp } = index({ resourceType: 'Patient', identifier: [{ system: 'urn:a|b\\', value: 'c|d' }] });
    expect(sp.identifier).toEqual([{ s: 'urn:a|b\\', c: 'c|d', k: 'urn:a\\|b\\\\|c|d' }]);
  });

  it('indexes Codings (meta.tag, meta.security)', () => {
    const { sp } = index({
      resourceType: 'Patient',
      meta: { tag: [{ system: 'https://relay.example/tags', code: 'vip', display: 'VIP' }], security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
    });
    expect(sp._tag).toEqual([{ s: 'https://relay.example/tags', c: 'vip', k: 'https://relay.example/tags|vip', t: 'vip' }]);
    expect(sp._security).toEqual([{ s: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', c: 'R', k: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R' }]);
  });

  it('indexes an Identifier with its type codings (for :of-type) and type text (for :text)', () => {
    const { sp } = index({
      resourceType: 'Patient',
      identifier: [
        {
          system: 'urn:oid:1.2.36.146.595.217.0.1',
          value: '12345',
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }], text: 'Medical Record Number' },
        },
        { system: 'http://ns.electronichealth.net.au/id/hi/ihi/1.0', value: '8003608166690503' },
        { value: 'no-system' },
      ],
    });
    expect(sp.identifier).toEqual([
      { s: 'urn:oid:1.2.36.146.595.217.0.1', c: '12345', k: 'urn:oid:1.2.36.146.595.217.0.1|12345', t: 'medical record number', ts: 'http://terminology.hl7.org/CodeSystem/v2-0203', tc: 'MR' },
      { s: 'http://ns.electronichealth.net.au/id/hi/ihi/1.0', c: '8003608166690503', k: 'http://ns.electronichealth.net.au/id/hi/ihi/1.0|8003608166690503' },
      { c: 'no-system' },
    ]);
  });

  it('gives one value per type coding of an Identifier', () => {
    const { sp } = index({
      resourceType: 'Patient',
      identifier: [{ system: 'urn:x', value: '1', type: { coding: [{ system: 'urn:t', code: 'A' }, { system: 'urn:t', code: 'B' }] } }],
    });
    expect(sp.identifier).toEqual([
      { s: 'urn:x', c: '1', k: 'urn:x|1', ts: 'urn:t', tc: 'A' },
      { s: 'urn:x', c: '1', k: 'urn:x|1', ts: 'urn:t', tc: 'B' },
    ]);
  });

  it('indexes ContactPoint values without a system, and phone/email by ContactPoint.system', () => {
    const { sp } = index({
      resourceType: 'Patient',
      telecom: [
        { system: 'phone', value: '+1 555 0100', use: 'home' },
        { system: 'email', value: 'zoe@example.org' },
        { system: 'phone', use: 'work' },
      ],
    });
    expect(sp.telecom).toEqual([{ c: '+1 555 0100' }, { c: 'zoe@example.org' }]);
    expect(sp.phone).toEqual([{ c: '+1 555 0100' }]);
    expect(sp.email).toEqual([{ c: 'zoe@example.org' }]);
  });

  it('indexes booleans and codes as codes without system', () => {
    expect(index({ resourceType: 'Patient', active: true, gender: 'female' }).sp).toMatchObject({ active: [{ c: 'true' }], gender: [{ c: 'female' }] });
    expect(index({ resourceType: 'Patient', active: false }).sp.active).toEqual([{ c: 'false' }]);
  });

  it('answers Patient deceased as R4 defines it (deceased.exists() and deceased != false)', () => {
    expect(index({ resourceType: 'Patient' }).sp.deceased).toEqual([{ c: 'false' }]);
    expect(index({ resourceType: 'Patient', deceasedBoolean: true }).sp.deceased).toEqual([{ c: 'true' }]);
    expect(index({ resourceType: 'Patient', deceasedDateTime: '2015-02-14T13:42:00+10:00' }).sp.deceased).toEqual([{ c: 'true' }]);
  });
});
