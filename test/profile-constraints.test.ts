/**
 * Every constraint of the consult profiles in profiles/ (profiles/README.md), one failing case each,
 * over HTTP: a valid consult resource is changed in one way, and both `$validate` (200 with the
 * issue) and the create (400 with the issue, nothing stored) must name the element and say what the
 * profile expected. Warnings (relay-media-3, the extensible communication-category binding) do not
 * stop the write but are reported by `$validate`.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const BASE = 'https://relay.example/fhir';
const SPECIALTY = `${BASE}/CodeSystem/consult-specialty`;
const SPECIALTY_EXT = `${BASE}/StructureDefinition/consult-specialty`;
const COM_CATEGORY = `${BASE}/CodeSystem/consult-communication-category`;
const MEDIA_TYPE = 'http://terminology.hl7.org/CodeSystem/media-type';
const TASK_CODE = 'http://hl7.org/fhir/CodeSystem/task-code';
const profileUrl = (id: string) => `${BASE}/StructureDefinition/${id}`;

type Json = Record<string, unknown>;
type ProfiledType = 'ServiceRequest' | 'Task' | 'Media' | 'QuestionnaireResponse' | 'DiagnosticReport' | 'Communication';

/** Ids of the resources the consult resources point at (created in beforeAll). */
interface Ids {
  patient: string;
  group: string;
  gp: string;
  dermatologist: string;
  organization: string;
  consult: string;
  carePlan: string;
  question: string;
}

interface ExpectedIssue {
  severity: 'error' | 'warning';
  code: OperationOutcomeIssue['code'];
  /** The exact FHIRPath of the element. */
  expression: string;
  /** Fragments the message holds, in this order (the element, then what was expected). */
  text: string[];
}

interface Case {
  /** What the profile requires, as a test name. */
  rule: string;
  type: ProfiledType;
  mutate: (resource: Json, ids: Ids) => void;
  expected: ExpectedIssue;
  /** Elements that unavoidably have another issue too (by default the mutation breaks only the rule tested). */
  alongside?: string[];
}

// ---------------------------------------------------------------------------------------------
// Valid consult resources (each takes part in the consult, so its profile applies automatically).

const ref = (reference: string) => ({ reference });
const SHA1_OF_SOMETHING = Buffer.alloc(20, 7).toString('base64');

function validResource(type: ProfiledType, ids: Ids): Json {
  switch (type) {
    case 'ServiceRequest':
      return {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        priority: 'routine',
        category: [{ coding: [{ system: SPECIALTY, code: 'dermatology', display: 'Dermatology' }] }],
        code: { text: 'Teledermatology consult' },
        subject: ref(`Patient/${ids.patient}`),
        requester: ref(`Practitioner/${ids.gp}`),
        reasonCode: [{ text: 'Changing pigmented lesion on the left forearm' }],
        supportingInfo: [ref(`QuestionnaireResponse/${ids.question}`)],
      };
    case 'Task':
      return {
        resourceType: 'Task',
        status: 'in-progress',
        intent: 'order',
        code: { coding: [{ system: TASK_CODE, code: 'fulfill' }] },
        focus: ref(`ServiceRequest/${ids.consult}`),
        basedOn: [ref(`ServiceRequest/${ids.consult}`)],
        for: ref(`Patient/${ids.patient}`),
        owner: ref(`Practitioner/${ids.dermatologist}`),
        restriction: { period: { end: '2030-01-31T17:00:00Z' } },
      };
    case 'Media':
      return {
        resourceType: 'Media',
        extension: [{ url: SPECIALTY_EXT, valueCoding: { system: SPECIALTY, code: 'dermatology' } }],
        status: 'completed',
        basedOn: [ref(`ServiceRequest/${ids.consult}`)],
        type: { coding: [{ system: MEDIA_TYPE, code: 'image' }] },
        modality: { text: 'Dermatoscope' },
        subject: ref(`Patient/${ids.patient}`),
        createdDateTime: '2024-03-01T10:15:00Z',
        bodySite: { text: 'Left forearm' },
        content: { contentType: 'image/jpeg', url: 'https://images.clinic.example/lesion-1.jpg', size: 48213, hash: SHA1_OF_SOMETHING },
      };
    case 'QuestionnaireResponse':
      return {
        resourceType: 'QuestionnaireResponse',
        status: 'completed',
        questionnaire: `${BASE}/Questionnaire/intake-dermatology`,
        basedOn: [ref(`ServiceRequest/${ids.consult}`)],
        subject: ref(`Patient/${ids.patient}`),
        item: [
          { linkId: 'lesion-location', answer: [{ valueString: 'Left forearm' }] },
          { linkId: 'lesion-duration', answer: [{ valueCoding: { system: `${BASE}/CodeSystem/lesion-duration`, code: '1-12-months' } }] },
          { linkId: 'lesion-changed', answer: [{ valueBoolean: false }] },
          { linkId: 'history', item: [{ linkId: 'skin-cancer-history', answer: [{ valueBoolean: false }] }] },
        ],
      };
    case 'DiagnosticReport':
      return {
        resourceType: 'DiagnosticReport',
        status: 'final',
        code: { text: 'Dermatology consult report' },
        basedOn: [ref(`ServiceRequest/${ids.consult}`)],
        subject: ref(`Patient/${ids.patient}`),
        resultsInterpreter: [ref(`Practitioner/${ids.dermatologist}`)],
        conclusion: 'Benign compound naevus; no follow-up needed.',
      };
    case 'Communication':
      return {
        resourceType: 'Communication',
        status: 'completed',
        category: [{ coding: [{ system: COM_CATEGORY, code: 'request-for-information' }] }],
        about: [ref(`ServiceRequest/${ids.consult}`)],
        subject: ref(`Patient/${ids.patient}`),
        sender: ref(`Practitioner/${ids.dermatologist}`),
        payload: [{ contentString: 'Could you send a dermatoscopic image as well?' }],
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations

/** Claims the type's consult profile in meta.profile (for mutations that cut the resource off the consult). */
const claim = (r: Json, id: string) => (r.meta = { profile: [profileUrl(id)] });
const error = (code: OperationOutcomeIssue['code'], expression: string, ...text: string[]): ExpectedIssue => ({ severity: 'error', code, expression, text });
const warning = (code: OperationOutcomeIssue['code'], expression: string, ...text: string[]): ExpectedIssue => ({ severity: 'warning', code, expression, text });
const missing = (expression: string, profile: string) => error('required', expression, `${expression}: at least 1 required, but none is present`, `(profile ${profileUrl(profile)})`);
const wrongTarget = (expression: string, found: string, expected: string, profile: string) =>
  error('structure', expression, `${expression} refers to ${/^[AEIOU]/.test(found) ? "an" : "a"} ${found}, but the profile requires ${expected}`, `(profile ${profileUrl(profile)})`);
const invariant = (expression: string, key: string, human: string, profile: string, severity: 'error' | 'warning' = 'error'): ExpectedIssue => ({
  severity,
  code: 'invariant',
  expression,
  text: [`${expression}: constraint ${key} failed: ${human}`, `(profile ${profileUrl(profile)}; expression: `],
});

const CASES: Case[] = [
  // consult-request (ServiceRequest)
  {
    rule: 'relay-sr-1: a consult request has a reasonCode, reasonReference or note',
    type: 'ServiceRequest',
    mutate: (r) => delete r.reasonCode,
    expected: invariant('ServiceRequest', 'relay-sr-1', 'The consult request says why it is made', 'consult-request'),
  },
  {
    rule: 'ServiceRequest.intent has the pattern "order"',
    type: 'ServiceRequest',
    mutate: (r) => (r.intent = 'plan'),
    expected: error('value', 'ServiceRequest.intent', 'ServiceRequest.intent must match the pattern "order", but is "plan"', '(profile'),
  },
  {
    rule: 'ServiceRequest.subject refers only to a Patient',
    type: 'ServiceRequest',
    mutate: (r, ids) => (r.subject = ref(`Group/${ids.group}`)),
    expected: wrongTarget('ServiceRequest.subject', 'Group', 'a Patient', 'consult-request'),
  },
  {
    rule: 'ServiceRequest.requester is required (1..1)',
    type: 'ServiceRequest',
    mutate: (r) => delete r.requester,
    expected: missing('ServiceRequest.requester', 'consult-request'),
  },
  {
    rule: 'ServiceRequest.requester refers to a Practitioner, PractitionerRole, Organization or Patient (a patient-initiated consult)',
    type: 'ServiceRequest',
    mutate: (r) => (r.requester = ref('Device/retinal-camera-7')),
    expected: wrongTarget('ServiceRequest.requester', 'Device', 'one of Practitioner, PractitionerRole, Organization, Patient', 'consult-request'),
  },
  {
    rule: 'ServiceRequest.priority is required (1..1)',
    type: 'ServiceRequest',
    mutate: (r) => delete r.priority,
    expected: missing('ServiceRequest.priority', 'consult-request'),
  },
  {
    rule: 'ServiceRequest.category is required (1..*)',
    type: 'ServiceRequest',
    mutate: (r) => {
      delete r.category;
      claim(r, 'consult-request');
    },
    expected: missing('ServiceRequest.category', 'consult-request'),
  },
  {
    rule: 'ServiceRequest.category has the slice "specialty" (1..1, pattern consult-specialty system)',
    type: 'ServiceRequest',
    mutate: (r) => {
      r.category = [{ coding: [{ system: 'http://snomed.info/sct', code: '409063005', display: 'Counselling' }] }];
      claim(r, 'consult-request');
    },
    expected: error('required', 'ServiceRequest.category', 'ServiceRequest.category (slice "specialty"): at least 1 required, but none is present', '(profile'),
  },
  {
    rule: 'ServiceRequest.category has at most one specialty (slice "specialty" max 1)',
    type: 'ServiceRequest',
    mutate: (r) => (r.category = [{ coding: [{ system: SPECIALTY, code: 'dermatology' }] }, { coding: [{ system: SPECIALTY, code: 'general' }] }]),
    expected: error('structure', 'ServiceRequest.category', 'ServiceRequest.category (slice "specialty"): at most 1 allowed, but 2 are present', '(profile'),
  },
  {
    rule: 'the specialty category is bound (required) to ValueSet consult-specialty',
    type: 'ServiceRequest',
    mutate: (r) => (r.category = [{ coding: [{ system: SPECIALTY, code: 'cardiology' }] }]),
    expected: error('code-invalid', 'ServiceRequest.category[0]', 'ServiceRequest.category[0]', `${SPECIALTY}#cardiology`, `required value set ${BASE}/ValueSet/consult-specialty`),
  },
  {
    rule: 'ServiceRequest.supportingInfo refers to a QuestionnaireResponse, Media, Observation or DocumentReference',
    type: 'ServiceRequest',
    mutate: (r, ids) => (r.supportingInfo = [ref(`Patient/${ids.patient}`)]),
    expected: wrongTarget('ServiceRequest.supportingInfo[0]', 'Patient', 'one of QuestionnaireResponse, Media, Observation, DocumentReference', 'consult-request'),
  },

  // consult-task (Task)
  {
    rule: 'relay-task-1: an active consult task has an owner',
    type: 'Task',
    mutate: (r) => delete r.owner,
    expected: invariant('Task', 'relay-task-1', 'The consult task has an owner unless its status is draft', 'consult-task'),
  },
  {
    rule: 'relay-task-2: an active consult task has a due time (restriction.period.end)',
    type: 'Task',
    mutate: (r) => delete r.restriction,
    expected: invariant('Task', 'relay-task-2', 'The consult task has a due time (restriction.period.end)', 'consult-task'),
  },
  {
    rule: 'Task.code is required (1..1)',
    type: 'Task',
    mutate: (r) => delete r.code,
    expected: missing('Task.code', 'consult-task'),
  },
  {
    rule: 'Task.code has the pattern task-code#fulfill',
    type: 'Task',
    mutate: (r) => (r.code = { coding: [{ system: TASK_CODE, code: 'approve' }] }),
    expected: error('value', 'Task.code', 'Task.code must match the pattern', '"code":"fulfill"', 'but is', '"approve"'),
  },
  {
    rule: 'Task.intent has the pattern "order"',
    type: 'Task',
    mutate: (r) => (r.intent = 'plan'),
    expected: error('value', 'Task.intent', 'Task.intent must match the pattern "order", but is "plan"'),
  },
  {
    rule: 'Task.focus is required (1..1)',
    type: 'Task',
    mutate: (r) => delete r.focus,
    expected: missing('Task.focus', 'consult-task'),
  },
  {
    rule: 'Task.focus refers only to a ServiceRequest',
    type: 'Task',
    mutate: (r, ids) => (r.focus = ref(`CarePlan/${ids.carePlan}`)),
    expected: wrongTarget('Task.focus', 'CarePlan', 'a ServiceRequest', 'consult-task'),
  },
  {
    rule: 'Task.basedOn is required (1..*)',
    type: 'Task',
    mutate: (r) => delete r.basedOn,
    expected: missing('Task.basedOn', 'consult-task'),
  },
  {
    rule: 'Task.basedOn refers only to a ServiceRequest',
    type: 'Task',
    mutate: (r, ids) => (r.basedOn = [ref(`CarePlan/${ids.carePlan}`)]),
    expected: wrongTarget('Task.basedOn[0]', 'CarePlan', 'a ServiceRequest', 'consult-task'),
  },
  {
    rule: 'Task.for is required (1..1)',
    type: 'Task',
    mutate: (r) => delete r.for,
    expected: missing('Task.for', 'consult-task'),
  },
  {
    rule: 'Task.for refers only to a Patient',
    type: 'Task',
    mutate: (r, ids) => (r.for = ref(`Group/${ids.group}`)),
    expected: wrongTarget('Task.for', 'Group', 'a Patient', 'consult-task'),
  },
  {
    rule: 'Task.owner refers to a Practitioner, PractitionerRole, Organization or HealthcareService',
    type: 'Task',
    mutate: (r, ids) => (r.owner = ref(`Patient/${ids.patient}`)),
    expected: wrongTarget('Task.owner', 'Patient', 'one of Practitioner, PractitionerRole, Organization, HealthcareService', 'consult-task'),
  },

  // consult-media (Media) and the consult-specialty extension
  {
    rule: 'relay-media-1: content with a url states its size and hash',
    type: 'Media',
    mutate: (r) => (r.content = { contentType: 'image/jpeg', url: 'https://images.clinic.example/lesion-1.jpg' }),
    expected: invariant('Media', 'relay-media-1', "Media whose content has data or a url also states the content's size and hash", 'consult-media'),
  },
  {
    rule: 'relay-media-2: a dermatology photograph states its bodySite',
    type: 'Media',
    mutate: (r) => delete r.bodySite,
    expected: invariant('Media', 'relay-media-2', 'A dermatology photograph (consult-specialty extension dermatology and type image) states the bodySite it shows', 'consult-media'),
  },
  {
    rule: 'relay-media-3 (warning): captured media states its modality and createdDateTime',
    type: 'Media',
    mutate: (r) => delete r.modality,
    expected: invariant('Media', 'relay-media-3', 'Captured media should state the modality and the time of capture (createdDateTime)', 'consult-media', 'warning'),
  },
  {
    rule: 'Media.extension:specialty appears at most once (0..1)',
    type: 'Media',
    mutate: (r) => {
      const ext = { url: SPECIALTY_EXT, valueCoding: { system: SPECIALTY, code: 'dermatology' } };
      r.extension = [ext, ext];
    },
    expected: error('structure', 'Media.extension', 'Media.extension (slice "specialty"): at most 1 allowed, but 2 are present', '(profile'),
  },
  {
    rule: 'the consult-specialty extension has a value (value[x] 1..1)',
    type: 'Media',
    mutate: (r) => (r.extension = [{ url: SPECIALTY_EXT }]),
    expected: missing('Media.extension[0].value', 'consult-specialty'),
    alongside: ['Media.extension[0]'], // base R4 ext-1: an extension has a value or extensions
  },
  {
    rule: 'the consult-specialty extension value is a Coding (value[x] type)',
    type: 'Media',
    mutate: (r) => (r.extension = [{ url: SPECIALTY_EXT, valueCode: 'dermatology' }]),
    expected: error('structure', 'Media.extension[0].value.ofType(code)', 'Media.extension[0].value.ofType(code): type code is not allowed here; the profile allows Coding', `(profile ${profileUrl('consult-specialty')})`),
  },
  {
    rule: 'the consult-specialty extension value is bound (required) to ValueSet consult-specialty',
    type: 'Media',
    mutate: (r) => (r.extension = [{ url: SPECIALTY_EXT, valueCoding: { system: SPECIALTY, code: 'cardiology' } }]),
    expected: error('code-invalid', 'Media.extension[0].value.ofType(Coding)', `${SPECIALTY}#cardiology`, 'Media.extension[0].value.ofType(Coding)', `required value set ${BASE}/ValueSet/consult-specialty`),
  },
  {
    rule: 'the consult-specialty extension has no sub-extensions (extension 0..0)',
    type: 'Media',
    mutate: (r) => (r.extension = [{ url: SPECIALTY_EXT, extension: [{ url: 'note', valueString: 'skin' }], valueCoding: { system: SPECIALTY, code: 'dermatology' } }]),
    expected: error('structure', 'Media.extension[0].extension', 'Media.extension[0].extension must be absent, but 1 is present', `(profile ${profileUrl('consult-specialty')})`),
    alongside: ['Media.extension[0]'], // base R4 ext-1: not both a value and extensions
  },
  {
    rule: 'Media.basedOn is required (1..*)',
    type: 'Media',
    mutate: (r) => {
      delete r.basedOn;
      claim(r, 'consult-media');
    },
    expected: missing('Media.basedOn', 'consult-media'),
  },
  {
    rule: 'Media.basedOn refers only to a ServiceRequest',
    type: 'Media',
    mutate: (r, ids) => {
      r.basedOn = [ref(`CarePlan/${ids.carePlan}`)];
      claim(r, 'consult-media');
    },
    expected: wrongTarget('Media.basedOn[0]', 'CarePlan', 'a ServiceRequest', 'consult-media'),
  },
  {
    rule: 'Media.subject is required (1..1)',
    type: 'Media',
    mutate: (r) => delete r.subject,
    expected: missing('Media.subject', 'consult-media'),
  },
  {
    rule: 'Media.subject refers only to a Patient',
    type: 'Media',
    mutate: (r, ids) => (r.subject = ref(`Group/${ids.group}`)),
    expected: wrongTarget('Media.subject', 'Group', 'a Patient', 'consult-media'),
  },
  {
    rule: 'Media.type is required (1..1)',
    type: 'Media',
    mutate: (r) => delete r.type,
    expected: missing('Media.type', 'consult-media'),
  },
  {
    rule: 'Media.content.contentType is required (1..1)',
    type: 'Media',
    mutate: (r) => delete (r.content as Json).contentType,
    expected: missing('Media.content.contentType', 'consult-media'),
  },

  // intake-response (QuestionnaireResponse)
  {
    rule: 'QuestionnaireResponse.questionnaire is required (1..1)',
    type: 'QuestionnaireResponse',
    mutate: (r) => delete r.questionnaire,
    expected: missing('QuestionnaireResponse.questionnaire', 'intake-response'),
  },
  {
    rule: 'QuestionnaireResponse.basedOn is required (1..*)',
    type: 'QuestionnaireResponse',
    mutate: (r) => {
      delete r.basedOn;
      claim(r, 'intake-response');
    },
    expected: missing('QuestionnaireResponse.basedOn', 'intake-response'),
  },
  {
    rule: 'QuestionnaireResponse.basedOn refers only to a ServiceRequest',
    type: 'QuestionnaireResponse',
    mutate: (r, ids) => {
      r.basedOn = [ref(`CarePlan/${ids.carePlan}`)];
      claim(r, 'intake-response');
    },
    expected: wrongTarget('QuestionnaireResponse.basedOn[0]', 'CarePlan', 'a ServiceRequest', 'intake-response'),
  },
  {
    rule: 'QuestionnaireResponse.subject is required (1..1)',
    type: 'QuestionnaireResponse',
    mutate: (r) => delete r.subject,
    expected: missing('QuestionnaireResponse.subject', 'intake-response'),
  },
  {
    rule: 'QuestionnaireResponse.subject refers only to a Patient',
    type: 'QuestionnaireResponse',
    mutate: (r, ids) => (r.subject = ref(`Group/${ids.group}`)),
    expected: wrongTarget('QuestionnaireResponse.subject', 'Group', 'a Patient', 'intake-response'),
  },

  // consult-report (DiagnosticReport)
  {
    rule: 'relay-dr-1: a final consult report has a conclusion or conclusionCode',
    type: 'DiagnosticReport',
    mutate: (r) => delete r.conclusion,
    expected: invariant('DiagnosticReport', 'relay-dr-1', 'A final, amended, corrected or appended consult report has a conclusion or a conclusionCode', 'consult-report'),
  },
  {
    rule: 'DiagnosticReport.basedOn is required (1..*)',
    type: 'DiagnosticReport',
    mutate: (r) => {
      delete r.basedOn;
      claim(r, 'consult-report');
    },
    expected: missing('DiagnosticReport.basedOn', 'consult-report'),
  },
  {
    rule: 'DiagnosticReport.basedOn refers only to a ServiceRequest',
    type: 'DiagnosticReport',
    mutate: (r, ids) => {
      r.basedOn = [ref(`CarePlan/${ids.carePlan}`)];
      claim(r, 'consult-report');
    },
    expected: wrongTarget('DiagnosticReport.basedOn[0]', 'CarePlan', 'a ServiceRequest', 'consult-report'),
  },
  {
    rule: 'DiagnosticReport.subject is required (1..1)',
    type: 'DiagnosticReport',
    mutate: (r) => delete r.subject,
    expected: missing('DiagnosticReport.subject', 'consult-report'),
  },
  {
    rule: 'DiagnosticReport.subject refers only to a Patient',
    type: 'DiagnosticReport',
    mutate: (r, ids) => (r.subject = ref(`Group/${ids.group}`)),
    expected: wrongTarget('DiagnosticReport.subject', 'Group', 'a Patient', 'consult-report'),
  },
  {
    rule: 'DiagnosticReport.resultsInterpreter is required (1..*)',
    type: 'DiagnosticReport',
    mutate: (r) => delete r.resultsInterpreter,
    expected: missing('DiagnosticReport.resultsInterpreter', 'consult-report'),
  },
  {
    rule: 'DiagnosticReport.resultsInterpreter refers to a Practitioner or PractitionerRole',
    type: 'DiagnosticReport',
    mutate: (r, ids) => (r.resultsInterpreter = [ref(`Organization/${ids.organization}`)]),
    expected: wrongTarget('DiagnosticReport.resultsInterpreter[0]', 'Organization', 'one of Practitioner, PractitionerRole', 'consult-report'),
  },

  // consult-communication (Communication)
  {
    rule: 'relay-com-1: a reply names the message it answers (inResponseTo)',
    type: 'Communication',
    mutate: (r) => (r.category = [{ coding: [{ system: COM_CATEGORY, code: 'reply' }] }]),
    expected: invariant('Communication', 'relay-com-1', 'A reply (category reply) names the message it answers in inResponseTo', 'consult-communication'),
  },
  {
    rule: 'Communication.about is required (1..*)',
    type: 'Communication',
    mutate: (r, ids) => {
      delete r.about;
      r.basedOn = [ref(`ServiceRequest/${ids.consult}`)];
    },
    expected: missing('Communication.about', 'consult-communication'),
  },
  {
    rule: 'Communication.about refers to a ServiceRequest or Task',
    type: 'Communication',
    mutate: (r, ids) => {
      r.about = [ref(`Patient/${ids.patient}`)];
      r.basedOn = [ref(`ServiceRequest/${ids.consult}`)];
    },
    expected: wrongTarget('Communication.about[0]', 'Patient', 'one of ServiceRequest, Task', 'consult-communication'),
  },
  {
    rule: 'Communication.inResponseTo refers only to a Communication',
    type: 'Communication',
    mutate: (r, ids) => (r.inResponseTo = [ref(`Patient/${ids.patient}`)]),
    // Base R4 already restricts inResponseTo to Communication, so the base check reports it.
    expected: error('structure', 'Communication.inResponseTo[0]', 'Communication.inResponseTo[0] refers to a Patient, but must refer to Communication'),
  },
  {
    rule: 'Communication.category is required (1..*)',
    type: 'Communication',
    mutate: (r) => delete r.category,
    expected: missing('Communication.category', 'consult-communication'),
  },
  {
    rule: 'Communication.category is bound (extensible, a warning) to ValueSet consult-communication-category',
    type: 'Communication',
    mutate: (r) => (r.category = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: 'alert' }] }]),
    expected: warning('code-invalid', 'Communication.category[0]', 'Communication.category[0]', `extensible value set ${BASE}/ValueSet/consult-communication-category`, 'use a code from it when one applies'),
  },
];

// ---------------------------------------------------------------------------------------------
// Helpers

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Fails (listing every issue) unless `outcome` holds an issue like `expected`. */
function expectIssue(outcome: OperationOutcome, expected: ExpectedIssue): void {
  expect(outcome.resourceType).toBe('OperationOutcome');
  const text = new RegExp(expected.text.map(escape).join('[\\s\\S]*'));
  expect(outcome.issue).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ severity: expected.severity, code: expected.code, expression: [expected.expression], details: { text: expect.stringMatching(text) } }),
    ]),
  );
}

/** Fails when `outcome` has an error or warning at an element other than the case's (and its `alongside`). */
function expectNothingElse(outcome: OperationOutcome, c: Case): void {
  const allowed = [c.expected.expression, ...(c.alongside ?? [])];
  const others = (outcome.issue ?? []).filter((i) => i.severity !== 'information' && !allowed.includes(i.expression?.[0] ?? ''));
  expect(others).toEqual([]);
}

const errorsOf = (outcome: OperationOutcome) => (outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');

describe('consult profile constraints, one failing case each', () => {
  let t: TestApp;
  const ids = {} as Ids;

  async function create(resource: Json): Promise<string> {
    const res = await t.request.post(`/fhir/${resource.resourceType as string}`).set('Content-Type', FHIR).send(resource);
    if (res.status !== 201) throw new Error(`creating ${resource.resourceType as string} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  async function count(type: string): Promise<number> {
    const res = await t.request.get(`/fhir/${type}?_summary=count`);
    expect(res.status).toBe(200);
    return res.body.total as number;
  }

  function mutated(c: Case): Json {
    const resource = structuredClone(validResource(c.type, ids));
    c.mutate(resource, ids);
    return resource;
  }

  beforeAll(async () => {
    t = await startTestApp();
    ids.patient = await create({ resourceType: 'Patient', name: [{ family: 'Mensah', given: ['Ama'] }], birthDate: '1979-05-12' });
    ids.group = await create({ resourceType: 'Group', type: 'person', actual: true });
    ids.gp = await create({ resourceType: 'Practitioner', name: [{ family: 'Lindqvist', prefix: ['Dr'] }] });
    ids.dermatologist = await create({ resourceType: 'Practitioner', name: [{ family: 'Oyelaran', prefix: ['Dr'] }] });
    ids.organization = await create({ resourceType: 'Organization', name: 'Northside Clinic' });
    ids.carePlan = await create({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: ref(`Patient/${ids.patient}`) });
    ids.question = await create({ resourceType: 'QuestionnaireResponse', status: 'in-progress' });
    ids.consult = await create(validResource('ServiceRequest', ids));
  });
  afterAll(async () => {
    await t.close();
  });

  const TYPES: ProfiledType[] = ['ServiceRequest', 'Task', 'Media', 'QuestionnaireResponse', 'DiagnosticReport', 'Communication'];

  it.each(TYPES)('accepts the valid consult %s (201, and $validate finds no error)', async (type) => {
    const resource = validResource(type, ids);
    const check = await t.request.post(`/fhir/${type}/$validate`).set('Content-Type', FHIR).send(resource);
    expect(check.status).toBe(200);
    expect(errorsOf(check.body)).toEqual([]);
    expect(check.body.issue).toEqual([expect.objectContaining({ severity: 'information', code: 'informational' })]);
    const res = await t.request.post(`/fhir/${type}`).set('Content-Type', FHIR).send(resource);
    expect(res.status).toBe(201);
    expect(res.body.resourceType).toBe(type);
  });

  it('covers every invariant key of profiles/README.md', () => {
    const keys = CASES.filter((c) => c.expected.code === 'invariant').map((c) => c.rule.split(':')[0].replace(/ \(warning\)$/, ''));
    expect(keys.sort()).toEqual(['relay-com-1', 'relay-dr-1', 'relay-media-1', 'relay-media-2', 'relay-media-3', 'relay-sr-1', 'relay-task-1', 'relay-task-2']);
  });

  describe.each(CASES.map((c) => [`${c.type}: ${c.rule}`, c] as const))('%s', (_name, c) => {
    it(`$validate reports it (200, ${c.expected.severity} ${c.expected.code} at ${c.expected.expression})`, async () => {
      const res = await t.request.post(`/fhir/${c.type}/$validate`).set('Content-Type', FHIR).send(mutated(c));
      expect(res.status).toBe(200);
      expectIssue(res.body, c.expected);
      expectNothingElse(res.body, c);
    });

    if (c.expected.severity === 'error') {
      it('a create is refused with 400 naming the element, and nothing is stored', async () => {
        const before = await count(c.type);
        const res = await t.request.post(`/fhir/${c.type}`).set('Content-Type', FHIR).send(mutated(c));
        expect(res.status).toBe(400);
        expectIssue(res.body, c.expected);
        expectNothingElse(res.body, c);
        expect(await count(c.type)).toBe(before);
      });
    } else {
      it('a create still succeeds (201): a warning does not stop the write', async () => {
        const before = await count(c.type);
        const res = await t.request.post(`/fhir/${c.type}`).set('Content-Type', FHIR).send(mutated(c));
        expect(res.status).toBe(201);
        expect(await count(c.type)).toBe(before + 1);
      });
    }
  });
});
