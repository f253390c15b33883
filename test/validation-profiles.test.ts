/**
 * How profiles are applied to writes (README "Validation", profiles/README.md): profiles claimed in
 * meta.profile (Relay's package or a client's StructureDefinition), unknown ones (warning, or error
 * with strictProfiles), the consult profiles applied automatically to consult participants (also
 * inside a transaction), QuestionnaireResponses checked against their Questionnaire, and the
 * package's resources served read-only and installed once.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import supertest from 'supertest';
import type { Bundle, BundleEntry, OperationOutcome, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { buildApp, prepareStore } from '../src/app';
import { loadConfig } from '../src/config';
import { openStore } from '../src/storage/open';
import { makeDataDir, PROJECT_ROOT, startTestApp, TEST_BASE_URL, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const BASE = 'https://relay.example/fhir';
const SPECIALTY = `${BASE}/CodeSystem/consult-specialty`;
const TASK_CODE = 'http://hl7.org/fhir/CodeSystem/task-code';
const profileUrl = (id: string) => `${BASE}/StructureDefinition/${id}`;
const UNKNOWN_PROFILE = 'http://clinic.example/fhir/StructureDefinition/never-published';

type Json = Record<string, unknown>;
const ref = (reference: string) => ({ reference });

const issuesOf = (body: OperationOutcome): OperationOutcomeIssue[] => body.issue ?? [];
const errorsOf = (body: OperationOutcome) => issuesOf(body).filter((i) => i.severity === 'error' || i.severity === 'fatal');
/** Issues that name `profile` (every profile issue ends with "(profile <url>...)"). */
const fromProfile = (body: OperationOutcome, profile: string) => issuesOf(body).filter((i) => i.diagnostics?.includes(`(profile ${profile}`));

function packageFile(name: string): Json {
  return JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'profiles', 'package', name), 'utf8')) as Json;
}

describe('how profiles are applied', () => {
  let t: TestApp;
  let patient: string;
  let practitioner: string;
  /** A consult ServiceRequest (consult-specialty category) and an ordinary lab order. */
  let consult: string;
  let labOrder: string;
  let consultTask: string;

  const post = (type: string, body: unknown) => t.request.post(`/fhir/${type}`).set('Content-Type', FHIR).send(body as object);
  const validate = (type: string, body: unknown) => t.request.post(`/fhir/${type}/$validate`).set('Content-Type', FHIR).send(body as object);
  async function create(resource: Json): Promise<string> {
    const res = await post(resource.resourceType as string, resource);
    if (res.status !== 201) throw new Error(`creating ${resource.resourceType as string}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }
  async function count(type: string): Promise<number> {
    return (await t.request.get(`/fhir/${type}?_summary=count`)).body.total as number;
  }

  const serviceRequest = (category: Json[]): Json => ({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    priority: 'routine',
    category,
    code: { text: 'Consultation' },
    subject: ref(`Patient/${patient}`),
    requester: ref(`Practitioner/${practitioner}`),
    note: [{ text: 'Please review' }],
  });
  const consultTaskFor = (sr: string): Json => ({
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: TASK_CODE, code: 'fulfill' }] },
    focus: ref(sr),
    basedOn: [ref(sr)],
    for: ref(`Patient/${patient}`),
    restriction: { period: { end: '2030-06-30T12:00:00Z' } },
  });

  beforeAll(async () => {
    t = await startTestApp();
    patient = await create({ resourceType: 'Patient', name: [{ family: 'Haddad', given: ['Rami'] }] });
    practitioner = await create({ resourceType: 'Practitioner', name: [{ family: 'Keller' }] });
    consult = await create(serviceRequest([{ coding: [{ system: SPECIALTY, code: 'dermatology' }] }]));
    labOrder = await create(serviceRequest([{ coding: [{ system: 'http://snomed.info/sct', code: '108252007', display: 'Laboratory procedure' }] }]));
    consultTask = await create(consultTaskFor(`ServiceRequest/${consult}`));
  });
  afterAll(async () => {
    await t.close();
  });

  describe('profiles claimed in meta.profile', () => {
    it("enforces a package profile on a resource that is not part of a consult (a lab order claiming consult-request)", async () => {
      const claimed = { ...serviceRequest([{ coding: [{ system: 'http://snomed.info/sct', code: '108252007' }] }]), meta: { profile: [profileUrl('consult-request')] } };
      const before = await count('ServiceRequest');
      const res = await post('ServiceRequest', claimed);
      expect(res.status).toBe(400);
      expect(errorsOf(res.body)).toEqual([
        expect.objectContaining({
          code: 'required',
          expression: ['ServiceRequest.category'],
          diagnostics: expect.stringContaining(`ServiceRequest.category (slice "specialty"): at least 1 required, but none is present (profile ${profileUrl('consult-request')})`),
        }),
      ]);
      expect(await count('ServiceRequest')).toBe(before);
      // The same resource without the claim is an ordinary ServiceRequest.
      const { meta: _meta, ...unclaimed } = claimed;
      expect((await post('ServiceRequest', unclaimed)).status).toBe(201);
    });

    it('accepts an unknown profile in meta.profile, and $validate warns that it was not checked, naming it', async () => {
      const resource = { resourceType: 'Patient', meta: { profile: [UNKNOWN_PROFILE] }, name: [{ family: 'Ito' }] };
      const created = await post('Patient', resource);
      expect(created.status).toBe(201);
      expect(created.body.meta.profile).toEqual([UNKNOWN_PROFILE]);
      const res = await validate('Patient', resource);
      expect(res.status).toBe(200);
      expect(issuesOf(res.body)).toEqual([
        expect.objectContaining({ severity: 'warning', code: 'not-supported', expression: ['Patient.meta.profile'], diagnostics: expect.stringContaining(`Profile ${UNKNOWN_PROFILE} is not known to this server`) }),
      ]);
    });

    it('refuses an unknown profile in meta.profile with strictProfiles (400, error naming it)', async () => {
      const strict = await startTestApp({ strictProfiles: true });
      try {
        const resource = { resourceType: 'Patient', meta: { profile: [UNKNOWN_PROFILE] }, name: [{ family: 'Ito' }] };
        const res = await strict.request.post('/fhir/Patient').set('Content-Type', FHIR).send(resource);
        expect(res.status).toBe(400);
        expect(issuesOf(res.body)).toEqual([
          expect.objectContaining({ severity: 'error', code: 'not-supported', expression: ['Patient.meta.profile'], diagnostics: expect.stringContaining(`Profile ${UNKNOWN_PROFILE} is not known`) }),
        ]);
        expect((await strict.request.get('/fhir/Patient?_summary=count')).body.total).toBe(0);
        // A known profile still works in strict mode.
        const known = await strict.request.post('/fhir/Patient').set('Content-Type', FHIR).send({ resourceType: 'Patient', name: [{ family: 'Ito' }] });
        expect(known.status).toBe(201);
      } finally {
        await strict.close();
      }
    });
  });

  describe('consult profiles applied without meta.profile', () => {
    /** For each type: a resource that is valid base R4 but breaks its consult profile, pointing at `sr`. */
    const participants: { type: string; profile: string; make: (sr: string) => Json; broken: string }[] = [
      { type: 'Task', profile: 'consult-task', make: (sr) => ({ resourceType: 'Task', status: 'requested', intent: 'order', focus: ref(sr), for: ref(`Patient/${patient}`) }), broken: 'Task.code' },
      { type: 'Media', profile: 'consult-media', make: (sr) => ({ resourceType: 'Media', status: 'completed', basedOn: [ref(sr)], content: { contentType: 'image/png' } }), broken: 'Media.subject' },
      { type: 'QuestionnaireResponse', profile: 'intake-response', make: (sr) => ({ resourceType: 'QuestionnaireResponse', status: 'completed', basedOn: [ref(sr)] }), broken: 'QuestionnaireResponse.questionnaire' },
      {
        type: 'DiagnosticReport',
        profile: 'consult-report',
        make: (sr) => ({ resourceType: 'DiagnosticReport', status: 'registered', code: { text: 'Report' }, basedOn: [ref(sr)], subject: ref(`Patient/${patient}`) }),
        broken: 'DiagnosticReport.resultsInterpreter',
      },
      { type: 'Communication', profile: 'consult-communication', make: (sr) => ({ resourceType: 'Communication', status: 'completed', about: [ref(sr)] }), broken: 'Communication.category' },
    ];

    it.each(participants.map((p) => [p.type, p] as const))('applies its consult profile to a %s that points at a consult ServiceRequest', async (_type, p) => {
      const before = await count(p.type);
      const res = await post(p.type, p.make(`ServiceRequest/${consult}`));
      expect(res.status).toBe(400);
      expect(fromProfile(res.body, profileUrl(p.profile))).toContainEqual(expect.objectContaining({ severity: 'error', code: 'required', expression: [p.broken] }));
      expect(errorsOf(res.body).every((i) => i.diagnostics?.includes(`(profile ${profileUrl(p.profile)}`))).toBe(true);
      expect(await count(p.type)).toBe(before);
    });

    it.each(participants.map((p) => [p.type, p] as const))('does not apply it to the same %s pointing at a non-consult ServiceRequest', async (_type, p) => {
      const resource = p.make(`ServiceRequest/${labOrder}`);
      const res = await post(p.type, resource);
      expect(res.status).toBe(201);
      const check = await validate(p.type, resource);
      expect(check.status).toBe(200);
      expect(fromProfile(check.body, profileUrl(p.profile))).toEqual([]);
    });

    it('applies consult-communication to a Communication about the consult Task (not the ServiceRequest)', async () => {
      const aboutTask = { resourceType: 'Communication', status: 'completed', about: [ref(`Task/${consultTask}`)] };
      const res = await post('Communication', aboutTask);
      expect(res.status).toBe(400);
      expect(errorsOf(res.body)).toEqual([
        expect.objectContaining({ code: 'required', expression: ['Communication.category'], diagnostics: expect.stringContaining(`(profile ${profileUrl('consult-communication')})`) }),
      ]);
      const fixed = { ...aboutTask, category: [{ coding: [{ system: `${BASE}/CodeSystem/consult-communication-category`, code: 'notification' }] }] };
      expect((await post('Communication', fixed)).status).toBe(201);
    });

    it('applies consult-request to a ServiceRequest by its consult-specialty category alone', async () => {
      const res = await post('ServiceRequest', { ...serviceRequest([{ coding: [{ system: SPECIALTY, code: 'urology' }] }]), note: undefined });
      expect(res.status).toBe(400);
      expect(errorsOf(res.body)).toEqual([expect.objectContaining({ code: 'invariant', expression: ['ServiceRequest'], diagnostics: expect.stringContaining('constraint relay-sr-1 failed') })]);
    });
  });

  describe("a client's own profile", () => {
    const CLIENT_URL = 'http://clinic.example/fhir/StructureDefinition/strict-consult-report';

    /** consult-report copied under the clinic's url, with relay-dr-1 replaced by `expression` (key clinic-dr-1). */
    function clientProfile(id: string, expression: string): StructureDefinition {
      const sd = structuredClone(packageFile('StructureDefinition-consult-report.json')) as unknown as StructureDefinition;
      sd.id = id;
      sd.url = CLIENT_URL;
      sd.name = 'StrictConsultReport';
      sd.title = 'Strict consult report';
      for (const list of [sd.snapshot?.element, sd.differential?.element]) {
        const root = list?.find((e) => e.id === 'DiagnosticReport');
        const constraint = root?.constraint?.find((c) => c.key === 'relay-dr-1');
        if (!constraint) throw new Error('relay-dr-1 not found in the package profile');
        Object.assign(constraint, { key: 'clinic-dr-1', human: 'Every report, whatever its status, has a conclusion.', expression, source: CLIENT_URL });
      }
      return sd;
    }
    const preliminaryReport = () => ({
      resourceType: 'DiagnosticReport',
      meta: { profile: [CLIENT_URL] },
      status: 'preliminary',
      code: { text: 'Report' },
      basedOn: [ref(`ServiceRequest/${labOrder}`)],
      subject: ref(`Patient/${patient}`),
      resultsInterpreter: [ref(`Practitioner/${practitioner}`)],
    });

    it('enforces a StructureDefinition (with snapshot) POSTed by the client, and an update of it changes the verdict', async () => {
      const created = await post('StructureDefinition', clientProfile('strict-consult-report', 'conclusion.exists() or conclusionCode.exists()'));
      expect(created.status).toBe(201);
      const sdId = created.body.id as string;

      const refused = await post('DiagnosticReport', preliminaryReport());
      expect(refused.status).toBe(400);
      expect(errorsOf(refused.body)).toEqual([
        expect.objectContaining({
          code: 'invariant',
          expression: ['DiagnosticReport'],
          diagnostics: expect.stringContaining(`DiagnosticReport: constraint clinic-dr-1 failed: Every report, whatever its status, has a conclusion. (profile ${CLIENT_URL}`),
        }),
      ]);
      expect(fromProfile((await validate('DiagnosticReport', preliminaryReport())).body, CLIENT_URL)).toHaveLength(1);

      // The clinic relaxes its rule: preliminary reports may come without a conclusion.
      const relaxed = { ...clientProfile(sdId, "status = 'preliminary' or conclusion.exists()"), id: sdId };
      const updated = await t.request.put(`/fhir/StructureDefinition/${sdId}`).set('Content-Type', FHIR).send(relaxed);
      expect(updated.status).toBe(200);
      expect(updated.body.meta.versionId).toBe('2');
      const check = await validate('DiagnosticReport', preliminaryReport());
      expect(errorsOf(check.body)).toEqual([]);
      expect((await post('DiagnosticReport', preliminaryReport())).status).toBe(201);
      // The rest of the copied profile still applies.
      const noInterpreter = await post('DiagnosticReport', { ...preliminaryReport(), resultsInterpreter: undefined });
      expect(errorsOf(noInterpreter.body)).toEqual([
        expect.objectContaining({ code: 'required', expression: ['DiagnosticReport.resultsInterpreter'], diagnostics: expect.stringContaining(`(profile ${CLIENT_URL})`) }),
      ]);
    });

    it("applies a client profile's parent profile (also a client's) even when the parent was never used before", async () => {
      const parentUrl = 'http://clinic.example/fhir/StructureDefinition/parent-report';
      const parent = { ...clientProfile('parent-report', 'conclusion.exists() or conclusionCode.exists()'), url: parentUrl };
      const childUrl = 'http://clinic.example/fhir/StructureDefinition/child-report';
      const child = { ...structuredClone(parent), id: 'child-report', url: childUrl, name: 'ChildReport', baseDefinition: parentUrl, differential: { element: [{ id: 'DiagnosticReport', path: 'DiagnosticReport' }] } };
      expect((await post('StructureDefinition', parent)).status).toBe(201);
      expect((await post('StructureDefinition', child)).status).toBe(201);
      const report = { ...preliminaryReport(), meta: { profile: [childUrl] } };
      const res = await validate('DiagnosticReport', report);
      expect(errorsOf(res.body)).toEqual([expect.objectContaining({ code: 'invariant', diagnostics: expect.stringContaining(`constraint clinic-dr-1 failed`) })]);
      expect(errorsOf(res.body)[0].diagnostics).toContain(`(profile ${parentUrl}`);
    });

    it('refuses a resource claiming a StructureDefinition that has no snapshot, with an error saying so', async () => {
      const url = 'http://clinic.example/fhir/StructureDefinition/differential-only';
      const sd = { ...clientProfile('differential-only', 'conclusion.exists()'), url, snapshot: undefined };
      expect((await post('StructureDefinition', sd)).status).toBe(201);
      const report = { ...preliminaryReport(), meta: { profile: [url] } };
      const res = await post('DiagnosticReport', report);
      expect(res.status).toBe(400);
      expect(errorsOf(res.body)).toEqual([
        expect.objectContaining({ code: 'not-supported', diagnostics: expect.stringMatching(new RegExp(`Profile ${url} cannot be used: .*has no snapshot`)) }),
      ]);
      const check = await validate('DiagnosticReport', report);
      expect(check.status).toBe(200);
      expect(errorsOf(check.body)).toEqual([expect.objectContaining({ code: 'not-supported', diagnostics: expect.stringContaining('has no snapshot') })]);
    });
  });

  describe('inside a transaction', () => {
    const SR_UUID = 'urn:uuid:0b7f3c2e-9d41-4f6a-8e21-3c5d7a9b1e04';
    const bundle = (task: Json): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: SR_UUID, resource: serviceRequest([{ coding: [{ system: SPECIALTY, code: 'radiology' }] }]) as unknown as Resource, request: { method: 'POST', url: 'ServiceRequest' } },
        { fullUrl: 'urn:uuid:5e2a1d0c-7b3f-4c8e-9a6d-2f4b8c1e7d39', resource: task as unknown as Resource, request: { method: 'POST', url: 'Task' } },
      ],
    });

    it('applies consult-task to a Task whose consult ServiceRequest is created earlier in the same transaction', async () => {
      const before = { sr: await count('ServiceRequest'), task: await count('Task') };
      const invalid = { ...consultTaskFor(SR_UUID), code: undefined };
      const res = await t.request.post('/fhir').set('Content-Type', FHIR).send(bundle(invalid));
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(errorsOf(res.body)).toEqual([
        expect.objectContaining({ code: 'required', expression: ['Bundle.entry[1].resource.code'], diagnostics: expect.stringContaining(`at least 1 required, but none is present (profile ${profileUrl('consult-task')})`) }),
      ]);
      // The whole transaction was refused: the ServiceRequest was not kept either.
      expect({ sr: await count('ServiceRequest'), task: await count('Task') }).toEqual(before);

      const ok = await t.request.post('/fhir').set('Content-Type', FHIR).send(bundle(consultTaskFor(SR_UUID)));
      expect(ok.status).toBe(200);
      expect((ok.body as Bundle).entry?.map((e: BundleEntry) => e.response?.status)).toEqual(['201 Created', '201 Created']);
    });

    it('applies consult-task whatever the entry order: the Task before its ServiceRequest, by POST or by PUT', async () => {
      const before = { sr: await count('ServiceRequest'), task: await count('Task') };
      const reversed = bundle({ ...consultTaskFor(SR_UUID), code: undefined });
      reversed.entry = [...(reversed.entry ?? [])].reverse();
      const res = await t.request.post('/fhir').set('Content-Type', FHIR).send(reversed);
      expect(res.status).toBe(400);
      expect(errorsOf(res.body)).toEqual([expect.objectContaining({ code: 'required', expression: ['Bundle.entry[0].resource.code'] })]);
      // POST Task → ServiceRequest/x while PUT ServiceRequest/x runs later (R4 processes POST before PUT).
      const byPut: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { ...consultTaskFor('ServiceRequest/put-consult'), code: undefined } as unknown as Resource, request: { method: 'POST', url: 'Task' } },
          { resource: { ...serviceRequest([{ coding: [{ system: SPECIALTY, code: 'radiology' }] }]), id: 'put-consult' } as unknown as Resource, request: { method: 'PUT', url: 'ServiceRequest/put-consult' } },
        ],
      };
      const put = await t.request.post('/fhir').set('Content-Type', FHIR).send(byPut);
      expect(put.status).toBe(400);
      expect(errorsOf(put.body)).toEqual([expect.objectContaining({ code: 'required', expression: ['Bundle.entry[0].resource.code'] })]);
      expect({ sr: await count('ServiceRequest'), task: await count('Task') }).toEqual(before);
    });
  });

  describe('references that carry a version', () => {
    it('applies consult-task to a Task whose focus names a version of the consult ServiceRequest', async () => {
      for (const focus of [`ServiceRequest/${consult}/_history/1`, `${TEST_BASE_URL}/ServiceRequest/${consult}/_history/1`]) {
        const res = await post('Task', { resourceType: 'Task', status: 'requested', intent: 'order', focus: ref(focus), for: ref(`Patient/${patient}`) });
        expect(res.status).toBe(400);
        expect(fromProfile(res.body, profileUrl('consult-task'))).toContainEqual(expect.objectContaining({ code: 'required', expression: ['Task.code'] }));
      }
    });
  });

  describe('QuestionnaireResponses and their Questionnaire', () => {
    const CLINIC_Q = 'http://clinic.example/fhir/Questionnaire/sleep-check';

    it("checks a QuestionnaireResponse against a Questionnaire the client POSTed", async () => {
      const questionnaire = {
        resourceType: 'Questionnaire',
        url: CLINIC_Q,
        status: 'active',
        item: [
          { linkId: 'hours', text: 'Hours of sleep per night', type: 'integer', required: true },
          { linkId: 'snoring', text: 'Do you snore?', type: 'boolean' },
        ],
      };
      expect((await post('Questionnaire', questionnaire)).status).toBe(201);
      const before = await count('QuestionnaireResponse');
      const missingHours = { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: CLINIC_Q, item: [{ linkId: 'snoring', answer: [{ valueBoolean: true }] }] };
      const res = await post('QuestionnaireResponse', missingHours);
      expect(res.status).toBe(400);
      expect(errorsOf(res.body)).toEqual([
        expect.objectContaining({ code: 'required', expression: ['QuestionnaireResponse'], diagnostics: expect.stringContaining('item "hours" is required but missing') }),
      ]);
      expect(await count('QuestionnaireResponse')).toBe(before);
      const wrongType = { ...missingHours, item: [{ linkId: 'hours', answer: [{ valueString: 'eight' }] }] };
      const wrong = await post('QuestionnaireResponse', wrongType);
      expect(wrong.status).toBe(400);
      expect(errorsOf(wrong.body)).toEqual([
        expect.objectContaining({
          code: 'structure',
          expression: ['QuestionnaireResponse.item[0].answer[0].value.ofType(string)'],
          diagnostics: expect.stringContaining('item "hours" is of type integer and takes value.ofType(integer)'),
        }),
      ]);
      const complete = { ...missingHours, item: [{ linkId: 'hours', answer: [{ valueInteger: 7 }] }, ...missingHours.item] };
      expect((await post('QuestionnaireResponse', complete)).status).toBe(201);
    });

    it('refuses a consult intake response whose Questionnaire is unknown (400)', async () => {
      const unknown = 'http://clinic.example/fhir/Questionnaire/not-published';
      const res = await post('QuestionnaireResponse', {
        resourceType: 'QuestionnaireResponse',
        status: 'completed',
        questionnaire: unknown,
        basedOn: [ref(`ServiceRequest/${consult}`)],
        subject: ref(`Patient/${patient}`),
      });
      expect(res.status).toBe(400);
      expect(errorsOf(res.body)).toEqual([
        expect.objectContaining({ code: 'not-found', expression: ['QuestionnaireResponse.questionnaire'], diagnostics: expect.stringContaining(`Questionnaire ${unknown} is not known to this server`) }),
      ]);
    });

    it('accepts a non-consult response whose Questionnaire is unknown, and $validate warns about it', async () => {
      const unknown = 'http://clinic.example/fhir/Questionnaire/not-published';
      const qr = { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: unknown, subject: ref(`Patient/${patient}`) };
      expect((await post('QuestionnaireResponse', qr)).status).toBe(201);
      const check = await validate('QuestionnaireResponse', qr);
      expect(check.status).toBe(200);
      expect(issuesOf(check.body)).toEqual([
        expect.objectContaining({ severity: 'warning', code: 'not-found', expression: ['QuestionnaireResponse.questionnaire'], diagnostics: expect.stringContaining(`Questionnaire ${unknown} is not known`) }),
      ]);
    });
  });

  describe("the package's resources", () => {
    it('serves a package profile by url search, with its snapshot', async () => {
      const res = await t.request.get(`/fhir/StructureDefinition?url=${encodeURIComponent(profileUrl('consult-request'))}`);
      expect(res.status).toBe(200);
      const found = ((res.body as Bundle).entry ?? []).map((e) => e.resource as StructureDefinition);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ id: 'consult-request', url: profileUrl('consult-request'), type: 'ServiceRequest', derivation: 'constraint' });
      expect(found[0].snapshot?.element.length).toBeGreaterThan(10);
    });

    it('searches Tasks by the package SearchParameter `due` (restriction.period.end), also sorted, and lists it in the CapabilityStatement', async () => {
      const made: string[] = [];
      for (const end of ['2031-03-01T12:00:00Z', '2031-01-01T12:00:00Z', '2031-02-01T12:00:00Z']) {
        const res = await post('Task', { resourceType: 'Task', status: 'requested', intent: 'order', restriction: { period: { end } } });
        expect(res.status).toBe(201);
        made.push(res.body.id);
      }
      const ids = async (query: string) => ((await t.request.get(`/fhir/Task?${query}`)).body as Bundle).entry?.map((e) => e.resource?.id) ?? [];
      expect(await ids('due=ge2031-01-15&due=lt2031-12-31&_sort=due')).toEqual([made[2], made[0]]);
      expect(await ids('due=2031-01&_sort=-due')).toEqual([made[1]]);
      const metadata = await t.request.get('/fhir/metadata');
      const task = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'Task');
      expect(task.searchParam).toContainEqual(expect.objectContaining({ name: 'due', type: 'date', definition: `${BASE}/SearchParameter/task-due` }));
    });

    it('serves the intake Questionnaires by id', async () => {
      const res = await t.request.get('/fhir/Questionnaire/intake-dermatology');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ resourceType: 'Questionnaire', id: 'intake-dermatology', url: `${BASE}/Questionnaire/intake-dermatology`, status: 'active' });
    });

    it.each([
      ['StructureDefinition', 'consult-request'],
      ['Questionnaire', 'intake-dermatology'],
      ['ValueSet', 'consult-specialty'],
      ['OperationDefinition', 'validate'],
    ])('refuses PUT and DELETE on %s/%s with 403 and an OperationOutcome', async (type, id) => {
      const current = (await t.request.get(`/fhir/${type}/${id}`)).body as Resource;
      const put = await t.request.put(`/fhir/${type}/${id}`).set('Content-Type', FHIR).send({ ...current, name: 'Changed' });
      expect(put.status).toBe(403);
      expect(put.body.resourceType).toBe('OperationOutcome');
      expect(put.body.issue).toEqual([expect.objectContaining({ severity: 'error', code: 'forbidden', diagnostics: expect.stringContaining(`${type}/${id}`) })]);
      const del = await t.request.delete(`/fhir/${type}/${id}`);
      expect(del.status).toBe(403);
      expect(del.body.issue).toEqual([expect.objectContaining({ severity: 'error', code: 'forbidden' })]);
      const after = await t.request.get(`/fhir/${type}/${id}`);
      expect(after.status).toBe(200);
      expect(after.body.meta.versionId).toBe(current.meta?.versionId);
    });
  });
});

describe('installing the package on a restart', () => {
  it('makes no new version of the package resources when the store is reopened on the same data directory', async () => {
    const dataDir = await makeDataDir();
    const open = async () => {
      const store = await openStore({ dataDir, journalCompactBytes: 64 * 1024 * 1024 });
      await prepareStore(store, { baseUrl: TEST_BASE_URL });
      const app = buildApp({ config: loadConfig({ RELAY_DATA_DIR: dataDir, RELAY_BASE_URL: TEST_BASE_URL }), store, log: () => undefined });
      return { store, request: supertest(app) };
    };
    const versions = async (request: ReturnType<typeof supertest>) => {
      const out: Record<string, unknown> = {};
      for (const [type, id] of [
        ['StructureDefinition', 'consult-request'],
        ['Questionnaire', 'intake-dermatology'],
        ['CodeSystem', 'consult-specialty'],
      ]) {
        const history = await request.get(`/fhir/${type}/${id}/_history`);
        out[`${type}/${id}`] = { total: history.body.total, meta: (await request.get(`/fhir/${type}/${id}`)).body.meta };
      }
      return out;
    };
    try {
      const first = await open();
      const before = await versions(first.request);
      await first.store.close();
      const second = await open();
      try {
        expect(await versions(second.request)).toEqual(before);
        expect(Object.values(before).every((v) => (v as { total: number }).total === 1)).toBe(true);
      } finally {
        await second.store.close();
      }
    } finally {
      await fsp.rm(dataDir, { recursive: true, force: true });
    }
  });
});
