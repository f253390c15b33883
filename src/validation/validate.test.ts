import * as fs from 'fs';
import * as path from 'path';
import type { Resource } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/outcome';
import { loadR4Definitions } from './definitions';
import { hasErrors, validateBase } from './validate';

const EXAMPLES = path.join(__dirname, '../../node_modules/hl7.fhir.r4.examples');

beforeAll(() => loadR4Definitions());

function errors(resource: unknown): Issue[] {
  return validateBase(resource as Resource).filter((i) => i.severity === 'error');
}

function summary(issues: Issue[]): [string | undefined, string | undefined][] {
  return issues.map((i) => [i.expression?.[0], i.details?.text]);
}

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' } };

const validPatient = {
  resourceType: 'Patient',
  id: 'p-1',
  meta: { versionId: '1', lastUpdated: '2024-01-02T03:04:05Z', profile: ['http://example.org/StructureDefinition/p'] },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Ann Smith</p></div>' },
  identifier: [{ use: 'official', system: 'http://example.org/mrn', value: '123' }],
  name: [{ use: 'official', family: 'Smith', given: ['Ann', 'B'] }],
  gender: 'female',
  birthDate: '1990-01-01',
  telecom: [{ system: 'phone', value: '+1 555 0100', use: 'home' }, { system: 'email', value: 'ann@example.org' }],
  address: [{ use: 'home', type: 'both', line: ['1 Main St'], city: 'Springfield', postalCode: '12345', country: 'US' }],
  maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }] },
  managingOrganization: { reference: 'Organization/o-1' },
};

describe('required ValueSet bindings', () => {
  it('rejects Patient.gender "foo" with one error at Patient.gender naming the value set and its codes', () => {
    const issues = validateBase({ resourceType: 'Patient', gender: 'foo' } as unknown as Resource);
    expect(issues).toEqual([
      {
        severity: 'error',
        code: 'code-invalid',
        details: {
          text: 'Value "foo" of Patient.gender is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender (allowed: male, female, other, unknown)',
        },
        diagnostics:
          'Value "foo" of Patient.gender is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender (allowed: male, female, other, unknown)',
        expression: ['Patient.gender'],
      },
    ]);
  });

  it('rejects Observation.status "bogus"', () => {
    const issues = errors({ ...observation, status: 'bogus' });
    expect(summary(issues)).toEqual([
      [
        'Observation.status',
        'Value "bogus" of Observation.status is not in the required value set http://hl7.org/fhir/ValueSet/observation-status (allowed: registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown)',
      ],
    ]);
  });

  it('reports a bad code in a backbone element with its index (Patient.contact[0].gender)', () => {
    const issues = errors({ resourceType: 'Patient', contact: [{ name: { family: 'A' }, gender: 'male' }, { name: { family: 'B' }, gender: 'boy' }] });
    expect(issues.map((i) => i.expression)).toEqual([['Patient.contact[1].gender']]);
  });

  it('checks bindings inside datatypes (ContactPoint.system, Address.use, HumanName.use, Identifier.use, Narrative.status)', () => {
    const issues = errors({
      resourceType: 'Patient',
      text: { status: 'made-up', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
      identifier: [{ use: 'primary', value: '1' }],
      name: [{ use: 'nick', family: 'A' }, { use: 'nickname', family: 'B' }],
      telecom: [{ system: 'phone', value: '1' }, { system: 'fax2', value: '2' }],
      address: [{ use: 'holiday', city: 'X' }],
    });
    expect(issues.map((i) => i.expression?.[0]).sort()).toEqual([
      'Patient.address[0].use',
      'Patient.identifier[0].use',
      'Patient.name[0].use',
      'Patient.telecom[1].system',
      'Patient.text.status',
    ]);
  });

  it('rejects a CodeableConcept none of whose codings comes from the required value set', () => {
    const issues = errors({
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      clinicalStatus: { coding: [{ system: 'http://snomed.info/sct', code: '55561003' }, { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'bogus' }] },
    });
    expect(summary(issues)).toEqual([
      [
        'Condition.clinicalStatus',
        'None of the codings of Condition.clinicalStatus (http://snomed.info/sct#55561003, http://terminology.hl7.org/CodeSystem/condition-clinical#bogus) is in the required value set http://hl7.org/fhir/ValueSet/condition-clinical (allowed: active, recurrence, relapse, inactive, remission, resolved)',
      ],
    ]);
  });

  it('rejects a CodeableConcept with only text under a required binding', () => {
    const issues = errors({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus: { text: 'active' } });
    expect(issues).toHaveLength(1);
    expect(issues[0].expression).toEqual(['Condition.clinicalStatus']);
    expect(issues[0].details?.text).toContain('has no coding, but a code from the required value set http://hl7.org/fhir/ValueSet/condition-clinical is needed');
  });

  it('accepts a CodeableConcept when one coding is from the value set, and a system-less coding whose code is', () => {
    const withSystem = { coding: [{ system: 'http://snomed.info/sct', code: '55561003' }, { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };
    expect(errors({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus: withSystem })).toEqual([]);
    expect(errors({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus: { coding: [{ code: 'resolved' }] } })).toEqual([]);
  });

  it('checks a required binding inside a choice type (Observation.valueQuantity.comparator)', () => {
    const issues = errors({ ...observation, valueQuantity: { value: 5, comparator: '<<' } });
    expect(issues.map((i) => i.expression)).toEqual([['Observation.value.ofType(Quantity).comparator']]);
  });

  it('checks resources nested in a Bundle and contained resources', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', gender: 'x' } }, { resource: { ...observation, contained: [{ resourceType: 'Patient', id: 'p', gender: 'y' }], subject: { reference: '#p' } } }],
    };
    expect(errors(bundle).map((i) => i.expression?.[0])).toEqual(['Bundle.entry[0].resource.gender', 'Bundle.entry[1].resource.contained[0].gender']);
  });

  it('checks mime types by syntax, and allows xml/json/ttl in CapabilityStatement.format as R4 says', () => {
    const doc = (contentType: string) => ({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType } }] });
    expect(errors(doc('application/pdf'))).toEqual([]);
    expect(errors(doc('text/plain; charset=UTF-8'))).toEqual([]);
    expect(errors(doc('pdf')).map((i) => i.expression)).toEqual([['DocumentReference.content[0].attachment.contentType']]);
    const capability = { resourceType: 'CapabilityStatement', status: 'active', date: '2024', kind: 'instance', fhirVersion: '4.0.1', implementation: { description: 'x' }, rest: [{ mode: 'server' }] };
    expect(errors({ ...capability, format: ['json', 'xml', 'application/fhir+json'] })).toEqual([]);
    expect(errors({ ...capability, format: ['yaml'] }).map((i) => i.expression)).toEqual([['CapabilityStatement.format[0]']]);
  });

  it('skips value sets that cannot be expanded locally (UCUM, SNOMED CT) instead of rejecting', () => {
    const money = { resourceType: 'Invoice', status: 'issued', totalNet: { value: 1, currency: 'EUR' } };
    expect(errors(money)).toEqual([]);
    expect(errors({ ...money, totalNet: { value: 1, currency: 'euro' } }).map((i) => i.expression)).toEqual([['Invoice.totalNet.currency']]);
  });
});

describe('valid resources', () => {
  it('accepts a complete Patient with no issue at all', () => {
    expect(validateBase(validPatient as Resource)).toEqual([]);
  });

  it('accepts a consult ServiceRequest with a Task', () => {
    const request = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      priority: 'routine',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '11429006' }] },
      subject: { reference: 'Patient/p-1' },
      requester: { reference: 'Practitioner/dr-1' },
      authoredOn: '2024-05-01T10:00:00+02:00',
    };
    const task = { resourceType: 'Task', status: 'requested', intent: 'order', focus: { reference: 'ServiceRequest/sr-1' }, for: { reference: 'Patient/p-1' } };
    expect(validateBase(request as Resource)).toEqual([]);
    expect(validateBase(task as Resource)).toEqual([]);
  });
});

describe('structural errors from @medplum/core', () => {
  it('come through with a message naming the element and a FHIRPath with indexes', () => {
    const issues = errors({ resourceType: 'Patient', active: 'yes', foo: 1, birthDate: '2020-13-01' });
    expect(issues.map((i) => [i.code, i.expression?.[0], i.details?.text])).toEqual([
      ['structure', 'Patient.active', 'Patient.active: Invalid JSON type: expected a JSON boolean (boolean), but got a JSON string'],
      ['structure', 'Patient.foo', 'Patient.foo: Invalid additional property "foo"'],
      ['value', 'Patient.birthDate', 'Patient.birthDate: Invalid date format ("2020-13-01")'],
    ]);
  });

  it('rejects a property named after an element definition rather than a JSON name ("deceased[x]")', () => {
    const issues = errors({ resourceType: 'Patient', 'deceased[x]': true } as never);
    expect(issues.map((i) => i.expression?.[0])).toEqual(['Patient.deceased[x]']);
    expect(errors({ resourceType: 'Patient', value: 1 } as never).map((i) => i.expression?.[0])).toEqual(['Patient.value']);
  });

  it('locates errors deep in arrays and choice types', () => {
    const issues = errors({
      ...observation,
      valueQuantity: { value: 'high' },
      component: [{ code: { text: 'a' } }, { code: { coding: [{ system: 'http://loinc.org', code: 8867 }] } }],
    });
    expect(issues.map((i) => i.expression?.[0]).sort()).toEqual(['Observation.component[1].code.coding[0].code', 'Observation.value.ofType(Quantity).value']);
  });

  it('reports missing required elements and invariants', () => {
    expect(errors({ resourceType: 'Observation', code: { text: 'x' } }).map((i) => i.expression)).toEqual([['Observation.status']]);
    const invariant = errors({ resourceType: 'Patient', contact: [{ gender: 'male' }] });
    expect(invariant[0].details?.text).toContain('pat-1');
    expect(invariant[0].diagnostics).toContain('[expression: name.exists() or telecom.exists()');
  });
});

describe('plain FHIR R4 rather than Medplum', () => {
  it("rejects Medplum's own Meta fields", () => {
    expect(errors({ resourceType: 'Patient', meta: { project: 'p', author: { reference: 'Practitioner/1' } } }).map((i) => i.expression?.[0])).toEqual([
      'Patient.meta.project',
      'Patient.meta.author',
    ]);
  });

  it('rejects types that are not concrete R4 resources, without throwing', () => {
    for (const resourceType of ['Project', 'DomainResource', 'SubscriptionStatus', 'Resource']) {
      expect(summary(errors({ resourceType }))).toEqual([[resourceType, `${resourceType}: "${resourceType}" is not an R4 resource type`]]);
    }
    expect(errors({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Bot' } }] }).map((i) => i.expression)).toEqual([['Bundle.entry[0].resource']]);
    expect(hasErrors(validateBase(null as unknown as Resource))).toBe(true);
    expect(hasErrors(validateBase({} as Resource))).toBe(true);
  });

  it('applies R4 definitions where Medplum back-ported R5 ones (ResearchStudy, EvidenceVariable, Binary)', () => {
    expect(errors({ resourceType: 'ResearchStudy', status: 'active', name: 'x' }).map((i) => i.expression)).toEqual([['ResearchStudy.name']]);
    expect(errors({ resourceType: 'Binary', contentType: 'text/plain', url: 'http://x' }).map((i) => i.expression)).toEqual([['Binary.url']]);
    const variable = { resourceType: 'EvidenceVariable', status: 'active', characteristic: [{ definitionReference: { reference: 'Group/g' } }] };
    expect(errors(variable)).toEqual([]);
    expect(errors({ ...variable, characteristic: [{ description: 'no definition' }] }).map((i) => i.details?.text)).toEqual([
      'EvidenceVariable.characteristic[0].definition: Missing required property',
    ]);
  });

  it('rejects properties named like Object.prototype members, which Medplum lets through', () => {
    const parsed = JSON.parse('{"resourceType":"Patient","__proto__":{"x":1},"constructor":1,"name":[{"_toString":{}}]}') as Resource;
    expect(errors(parsed).map((i) => i.expression?.[0])).toEqual(['Patient.__proto__', 'Patient.constructor', 'Patient.name[0]._toString']);
  });

  it('checks the syntax of resource ids', () => {
    expect(errors({ resourceType: 'Patient', id: 'a_b' }).map((i) => i.expression)).toEqual([['Patient.id']]);
    expect(errors({ resourceType: 'Patient', id: 'a'.repeat(65) })).toHaveLength(1);
    expect(errors({ resourceType: 'Patient', id: 'A-1.b' })).toEqual([]);
  });

  it('treats whitespace-only strings as a warning (R4: SHOULD), not an error', () => {
    const issues = validateBase({ resourceType: 'Patient', name: [{ family: '  ' }] } as Resource);
    expect(issues.map((i) => [i.severity, i.expression?.[0]])).toEqual([['warning', 'Patient.name[0].family']]);
    expect(hasErrors(issues)).toBe(false);
    expect(hasErrors(validateBase({ resourceType: 'Patient', gender: '  ' } as unknown as Resource))).toBe(true);
    expect(hasErrors(validateBase({ resourceType: 'Patient', implicitRules: '  ' } as Resource))).toBe(true);
  });

  it('accepts base64Binary over 1 MB and with line breaks, but not malformed base64', () => {
    expect(errors({ resourceType: 'Binary', contentType: 'image/png', data: 'QUJD'.repeat(400_000) })).toEqual([]);
    expect(errors({ resourceType: 'Binary', contentType: 'image/png', data: 'QUJD\nQUJD\r\nQUI=' })).toEqual([]);
    expect(errors({ resourceType: 'Binary', contentType: 'image/png', data: 'QUJD*' }).map((i) => i.expression)).toEqual([['Binary.data']]);
  });

  it('applies the R4 date/time syntax: a dateTime with a time needs seconds and a zone; any number of fraction digits', () => {
    const effective = (effectiveDateTime: string) => errors({ ...observation, effectiveDateTime }).map((i) => i.details?.text);
    expect(effective('2024-05-01T10:00:00')).toEqual([
      'Observation.effective.ofType(dateTime): Invalid dateTime format ("2024-05-01T10:00:00") (a time needs hours, minutes, seconds and a time zone)',
    ]);
    expect(effective('2024-05-01T10Z')).toHaveLength(1);
    expect(effective('2024-05-01Z')).toHaveLength(1);
    expect(effective('2024-05-01T10:00:00.123+02:00')).toEqual([]);
    expect(effective('2024-05')).toEqual([]);
    expect(errors({ ...observation, issued: '2024-05-01T10:00:00.1234567891Z' })).toEqual([]);
  });

  it('rejects dates that are not on the calendar (R4: dates SHALL be valid dates), in date, dateTime and instant', () => {
    const birth = (birthDate: string) => errors({ resourceType: 'Patient', birthDate }).map((i) => i.details?.text);
    expect(birth('1984-02-30')).toEqual(['Patient.birthDate: 1984-02-30 is not a date on the calendar (date "1984-02-30")']);
    expect(birth('1900-02-29')).toHaveLength(1);
    expect(birth('2023-04-31')).toHaveLength(1);
    expect(birth('2000-02-29')).toEqual([]);
    expect(birth('1984-02-29')).toEqual([]);
    expect(birth('1984-12-31')).toEqual([]);
    expect(errors({ ...observation, effectiveDateTime: '2023-02-29T10:00:00Z' })).toHaveLength(1);
    expect(errors({ ...observation, issued: '2023-06-31T10:00:00Z' })).toHaveLength(1);
  });

  it('rejects references to a resource type the element does not allow, reading relative, absolute and contained references', () => {
    const subject = (reference: string) => errors({ ...observation, subject: { reference } }).map((i) => i.details?.text);
    const wrong = ['Observation.subject refers to a Medication, but must refer to one of Patient, Group, Device, Location'];
    expect(subject('Medication/1')).toEqual(wrong);
    expect(subject('http://example.org/fhir/Medication/1/_history/2')).toEqual(wrong);
    expect(subject('Medication?code=x')).toEqual(wrong);
    expect(subject('http://example.org/fhir/Patient/1')).toEqual([]);
    expect(subject('urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a')).toEqual([]);
    const contained = { ...observation, contained: [{ resourceType: 'Medication', id: 'm' }], subject: { reference: '#m' } };
    expect(errors(contained).map((i) => i.expression)).toEqual([['Observation.subject']]);
  });

  it('enforces dom-3 and org-1, which Medplum skips', () => {
    const unreferenced = { ...observation, contained: [{ resourceType: 'Patient', id: 'p' }] };
    expect(errors(unreferenced).map((i) => i.expression)).toEqual([['Observation.contained[0]']]);
    expect(errors({ ...unreferenced, subject: { reference: '#p' } })).toEqual([]);
    expect(errors({ resourceType: 'Organization', active: true }).map((i) => i.details?.text)).toEqual([
      'Organization: Constraint org-1 not met: The organization SHALL at least have a name or an identifier',
    ]);
  });

  it('rejects conflicting choice types, empty arrays and unsafe or empty narratives', () => {
    expect(summary(errors({ ...observation, valueString: 'a', valueBoolean: true }))).toEqual([
      ['Observation.value', 'Observation.value: only one of "valueString", "valueBoolean" may be present'],
    ]);
    expect(errors({ resourceType: 'Patient', name: [] }).map((i) => i.expression)).toEqual([['Patient.name']]);
    const narrative = (div: string) => errors({ resourceType: 'Patient', text: { status: 'generated', div } }).map((i) => i.details?.text);
    expect(narrative('<div xmlns="http://www.w3.org/1999/xhtml"><p>ok</p></div>')).toEqual([]);
    expect(narrative('<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script>x</div>')).toEqual([
      'Patient.text.div: narrative must not contain <script> (txt-1)',
    ]);
    expect(narrative('<div xmlns="http://www.w3.org/1999/xhtml"><a href="#" onclick="x()">x</a></div>')).toHaveLength(1);
    expect(narrative('<div xmlns="http://www.w3.org/1999/xhtml">  </div>')).toEqual(['Patient.text.div: narrative must have some non-whitespace content (txt-2)']);
    expect(narrative('<p>x</p>')).toEqual(['Patient.text.div: narrative must be an XHTML <div> element']);
  });
});

describe('official R4 examples of the consult resource types', () => {
  const known: Record<string, string> = {
    'Observation-clinical-gender.json': 'Observation.performer[0]', // refers to an Encounter
    'Questionnaire-qs1.json': 'Questionnaire.item[0].item[0].linkId', // items without linkId
    'Questionnaire-zika-virus-exposure-assessment.json': 'Questionnaire.text.div', // empty narrative (txt-2)
  };
  const files = fs
    .readdirSync(EXAMPLES)
    .filter((f) => /^(ServiceRequest|Task|Media|Questionnaire|QuestionnaireResponse|Observation|DiagnosticReport|Patient|Practitioner|Binary|Communication|DocumentReference|Condition)-.*\.json$/.test(f));

  it('finds the examples', () => {
    expect(files.length).toBeGreaterThan(150);
  });

  it.each(files)('%s', (file) => {
    const resource = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as Resource;
    const found = errors(resource);
    if (known[file]) expect(found.map((i) => i.expression?.[0])).toContain(known[file]);
    else expect(summary(found)).toEqual([]);
  });
});
