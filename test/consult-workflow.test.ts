/**
 * The consult workflow over HTTP (README "Consult workflow"): $submit with its submission check and
 * routing, a request-for-information round trip, completion by a final report and an amended report,
 * rejection and reassignment, a pool and $claim, cancellation, and licensure in routing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Bundle, OperationOutcome, Provenance, ServiceRequest, Task } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer } from './helpers/auth';
import { consultRequest, finalReport, makeDirectory, put, question, SPECIALTY, type Directory } from './helpers/consult';
import { DEFAULT_RULES_FILE, parseConsultRules } from '../src/consult/rules';

let t: TestApp;
let d: Directory;
let now = new Date('2026-03-02T09:00:00Z');
let seq = 0;

beforeAll(async () => {
  const rules = parseConsultRules({ ...rulesJson(), specialties: { ...rulesJson().specialties, pathology: { route: 'pool' } }, jurisdictions: { TX: { requiresRelationship: true, description: 'TX test policy' } } });
  t = await startTestApp({ auth: 'smart', consultRules: rules }, { clock: () => now });
  d = await makeDirectory(t, 'w');
});

afterAll(() => t.close());

/** The shipped rules file as JSON, for tests that change a part of it. */
function rulesJson() {
  return JSON.parse(readFileSync(DEFAULT_RULES_FILE, 'utf8')) as { dueHours: unknown; specialties: Record<string, unknown> };
}

const as = (who: keyof Directory['tokens']) => bearer(d.tokens[who]);

async function draft(overrides: Partial<ServiceRequest> = {}): Promise<ServiceRequest> {
  const sr = { ...consultRequest(`wf-${++seq}`, d), performer: undefined, ...overrides };
  const res = await t.request.put(`/fhir/ServiceRequest/${sr.id}`).set(as('requester')).send(sr);
  expect(res.status).toBe(201);
  return res.body;
}

function submit(id: string, who: keyof Directory['tokens'] = 'requester') {
  return t.request.post(`/fhir/ServiceRequest/${id}/$submit`).set(as(who)).send();
}

async function taskOf(srId: string): Promise<Task> {
  const res = await t.request.get(`/fhir/Task?focus=ServiceRequest/${srId}`).set(as('administrator')).expect(200);
  const tasks = ((res.body as Bundle).entry ?? []).map((e) => e.resource as Task);
  expect(tasks).toHaveLength(1);
  return tasks[0];
}

async function read<T>(ref: string): Promise<T> {
  return (await t.request.get(`/fhir/${ref}`).set(as('administrator')).expect(200)).body as T;
}

async function provenances(taskId: string): Promise<Provenance[]> {
  const res = await t.request.get(`/fhir/Provenance?target=Task/${taskId}&_count=100`).set(as('administrator')).expect(200);
  // In the order of the Task versions they record (the clock stands still between most steps).
  const version = (p: Provenance) => Number(/_history\/(\d+)$/.exec(p.target[0].reference ?? '')?.[1]);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Provenance).sort((a, b) => version(a) - version(b));
}

function moveTask(task: Task, status: Task['status'], who: keyof Directory['tokens'], extra: Partial<Task> = {}) {
  return t.request.put(`/fhir/Task/${task.id}`).set(as(who)).send({ ...task, status, ...extra });
}

describe('$submit', () => {
  it('creates the Task, sets the due time from the priority and routes the consult to the specialist', async () => {
    const sr = await draft({ priority: 'urgent' });
    const res = await submit(sr.id as string);
    expect(res.status).toBe(200);
    const [request, task] = ((res.body as Bundle).entry ?? []).map((e) => e.resource) as [ServiceRequest, Task];
    expect(request.status).toBe('active');
    expect(task.status).toBe('received');
    expect(task.owner?.reference).toBe(d.ownerRole);
    expect(task.restriction?.period?.end).toBe(new Date(now.getTime() + 24 * 3_600_000).toISOString());
    const trail = await provenances(task.id as string);
    expect(trail.map((p) => p.activity?.coding?.[0].code)).toEqual(['draft', 'requested', 'received']);
    expect(trail[2].agent[0].who?.reference).toBe('Device/relay');
  });

  it('lists everything missing in one 422 and creates nothing', async () => {
    const admin = d.tokens.administrator;
    await put(t, admin, { resourceType: 'Patient', id: 'wf-anonymous', name: [{ family: 'Doe' }] });
    const sr = await draft({ category: [{ coding: [{ system: SPECIALTY, code: 'dermatology' }] }], subject: { reference: 'Patient/wf-anonymous' } });
    const res = await submit(sr.id as string);
    expect(res.status).toBe(422);
    const issues = (res.body as OperationOutcome).issue ?? [];
    const texts = issues.map((i) => i.diagnostics);
    expect(texts).toEqual([
      expect.stringMatching(/Patient\/wf-anonymous is not identified/),
      expect.stringMatching(/intake form https:\/\/relay.example\/fhir\/Questionnaire\/intake-dermatology has no completed QuestionnaireResponse/),
      expect.stringMatching(/at least 2 photographs with a body site is required for dermatology \(rule 1: needs 2, found 0\)/),
      expect.stringMatching(/a close-up or dermoscopy photograph is required for dermatology \(rule 2: needs 1, found 0\)/),
    ]);
    expect(issues.every((i) => i.severity === 'error' && i.expression?.length)).toBe(true);
    const tasks = await t.request.get(`/fhir/Task?focus=ServiceRequest/${sr.id}`).set(as('administrator')).expect(200);
    expect((tasks.body as Bundle).entry ?? []).toHaveLength(0);
    expect((await read<ServiceRequest>(`ServiceRequest/${sr.id}`)).meta?.versionId).toBe('1');
  });

  it('refuses a second submission with 409 and a caller who is not the requester with 409', async () => {
    const sr = await draft();
    expect((await submit(sr.id as string, 'owner')).status).toBe(403);
    expect((await submit(sr.id as string)).status).toBe(200);
    const again = await submit(sr.id as string);
    expect(again.status).toBe(409);
    expect((again.body as OperationOutcome).issue?.[0].diagnostics).toMatch(/already submitted/);
  });

  it('refuses to make a draft consult active by writing its ServiceRequest', async () => {
    const sr = await draft();
    const res = await t.request.put(`/fhir/ServiceRequest/${sr.id}`).set(as('requester')).send({ ...sr, status: 'active' });
    expect(res.status).toBe(409);
    expect((res.body as OperationOutcome).issue?.[0]).toMatchObject({ expression: ['ServiceRequest.status'] });
    expect((res.body as OperationOutcome).issue?.[0].diagnostics).toMatch(/\$submit/);
  });
});

describe('a consult reviewed, asked about, answered and reported', () => {
  it('goes on hold only with a question, resumes by itself when answered, completes with the final report and records an amendment', async () => {
    const sr = await draft();
    await submit(sr.id as string);
    let task = await taskOf(sr.id as string);
    task = (await moveTask(task, 'accepted', 'owner').expect(200)).body;
    task = (await moveTask(task, 'in-progress', 'owner').expect(200)).body;

    const noQuestion = await moveTask(task, 'on-hold', 'owner');
    expect(noQuestion.status).toBe(409);
    expect((noQuestion.body as OperationOutcome).issue?.[0].diagnostics).toMatch(/only with a question pending/);

    const asked = question(`${sr.id}-q`, sr, d);
    await t.request.put(`/fhir/Communication/${asked.id}`).set(as('owner')).send(asked).expect(201);
    task = (await moveTask(task, 'on-hold', 'owner').expect(200)).body;
    expect(task.businessStatus?.coding?.[0].code).toBe('awaiting-information');

    now = new Date(now.getTime() + 3_600_000);
    const reply = {
      resourceType: 'Communication',
      status: 'completed',
      category: [{ coding: [{ system: 'https://relay.example/fhir/CodeSystem/consult-communication-category', code: 'reply' }] }],
      about: [{ reference: `ServiceRequest/${sr.id}` }],
      inResponseTo: [{ reference: `Communication/${asked.id}` }],
      subject: { reference: d.patient },
      sender: { reference: d.requesterRole },
      payload: [{ contentString: 'Yes, at night.' }],
    };
    await t.request.post('/fhir/Communication').set(as('requester')).send(reply).expect(201);
    task = await read<Task>(`Task/${task.id}`);
    expect(task.status).toBe('in-progress');
    expect(task.businessStatus).toBeUndefined();

    const report = finalReport(`${sr.id}-report`, sr, d);
    await t.request.put(`/fhir/DiagnosticReport/${report.id}`).set(as('owner')).send(report).expect(201);
    task = await read<Task>(`Task/${task.id}`);
    expect(task.status).toBe('completed');
    expect(task.output?.map((o) => o.valueReference?.reference)).toEqual([`DiagnosticReport/${report.id}`]);
    expect((await read<ServiceRequest>(`ServiceRequest/${sr.id}`)).status).toBe('completed');

    const amended = { ...finalReport(`${sr.id}-amended`, sr, d), status: 'amended', conclusion: 'Contact dermatitis; patch testing advised' };
    await t.request.put(`/fhir/DiagnosticReport/${amended.id}`).set(as('owner')).send(amended).expect(201);
    task = await read<Task>(`Task/${task.id}`);
    expect(task.status).toBe('completed');
    expect(task.output?.map((o) => o.valueReference?.reference)).toEqual([`DiagnosticReport/${report.id}`, `DiagnosticReport/${amended.id}`]);

    const trail = (await provenances(task.id as string)).map((p) => `${p.activity?.coding?.[0].code} by ${p.agent[0].who?.reference}`);
    expect(trail).toEqual([
      'draft by Practitioner/w-referrer',
      'requested by Practitioner/w-referrer',
      'received by Device/relay',
      'accepted by Practitioner/w-specialist',
      'in-progress by Practitioner/w-specialist',
      'on-hold by Practitioner/w-specialist',
      'in-progress by Device/relay',
      'completed by Practitioner/w-specialist',
      'completed by Practitioner/w-specialist',
    ]);
  });
});

describe('rejection, pools and cancellation', () => {
  it('reassigns a consult its owner rejects to the next specialist, and leaves it rejected when there is none', async () => {
    const admin = d.tokens.administrator;
    await put(t, admin, { resourceType: 'Practitioner', id: 'w-second', name: [{ family: 'Second' }] });
    await put(t, admin, { resourceType: 'PractitionerRole', id: 'w-second-role', active: true, practitioner: { reference: 'Practitioner/w-second' }, specialty: [{ coding: [{ system: SPECIALTY, code: 'general' }] }] });
    const second = bearer(await accessToken(t, { scope: 'user/*.cruds', extra: { fhirUser: 'Practitioner/w-second' } }));
    // Give the second specialist more open consults than the first, so the first is chosen.
    const sr = await draft();
    await submit(sr.id as string);
    let task = await taskOf(sr.id as string);
    const first = task.owner?.reference as string;
    const rejecter = first === d.ownerRole ? as('owner') : second;
    const withoutReason = await t.request.put(`/fhir/Task/${task.id}`).set(rejecter).send({ ...task, status: 'rejected', statusReason: undefined });
    expect(withoutReason.status).toBe(409);
    expect((withoutReason.body as OperationOutcome).issue?.[0].expression).toEqual(['Task.statusReason']);
    await t.request.put(`/fhir/Task/${task.id}`).set(rejecter).send({ ...task, status: 'rejected', statusReason: { text: 'outside my scope' } }).expect(200);
    task = await read<Task>(`Task/${task.id}`);
    expect(task.status).toBe('received');
    expect(task.owner?.reference).not.toBe(first);
    const other = task.owner?.reference === d.ownerRole ? as('owner') : second;
    await t.request.put(`/fhir/Task/${task.id}`).set(other).send({ ...task, status: 'rejected', statusReason: { text: 'no capacity' } }).expect(200);
    task = await read<Task>(`Task/${task.id}`);
    expect(task.status).toBe('rejected');
    await put(t, admin, { resourceType: 'PractitionerRole', id: 'w-second-role', active: false, practitioner: { reference: 'Practitioner/w-second' } });
  });

  it('routes a pooled specialty to the pool, where a member claims it; others may not', async () => {
    const admin = d.tokens.administrator;
    await put(t, admin, { resourceType: 'HealthcareService', id: 'w-pool', active: true, name: 'Pathology reading pool', specialty: [{ coding: [{ system: SPECIALTY, code: 'pathology' }] }] });
    await put(t, admin, { resourceType: 'Practitioner', id: 'w-pathologist', name: [{ family: 'Path' }] });
    await put(t, admin, {
      resourceType: 'PractitionerRole',
      id: 'w-pathologist-role',
      active: true,
      practitioner: { reference: 'Practitioner/w-pathologist' },
      healthcareService: [{ reference: 'HealthcareService/w-pool' }],
      specialty: [{ coding: [{ system: SPECIALTY, code: 'pathology' }] }],
    });
    const pathologist = bearer(await accessToken(t, { scope: 'user/*.cruds', extra: { fhirUser: 'Practitioner/w-pathologist' } }));
    const sr = await draft({ category: [{ coding: [{ system: SPECIALTY, code: 'pathology' }] }] });
    await submit(sr.id as string).expect(200);
    let task = await taskOf(sr.id as string);
    expect(task).toMatchObject({ status: 'received', owner: { reference: 'HealthcareService/w-pool' } });

    const outsider = await t.request.post(`/fhir/Task/${task.id}/$claim`).set(as('outsider')).send();
    expect(outsider.status).toBe(403);
    const acceptWithoutClaim = await t.request.put(`/fhir/Task/${task.id}`).set(pathologist).send({ ...task, status: 'accepted' });
    expect(acceptWithoutClaim.status).toBe(409);
    expect((acceptWithoutClaim.body as OperationOutcome).issue?.[0].diagnostics).toMatch(/\$claim/);

    const claimed = await t.request.post(`/fhir/Task/${task.id}/$claim`).set(pathologist).send();
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ status: 'accepted', owner: { reference: 'PractitionerRole/w-pathologist-role' } });
    task = await read<Task>(`Task/${task.id}`);
    expect(task.owner?.reference).toBe('PractitionerRole/w-pathologist-role');
    const again = await t.request.post(`/fhir/Task/${task.id}/$claim`).set(pathologist).send();
    expect(again.status).toBe(409);
  });

  it('cancels the Task when the requester revokes the request; the owner may not', async () => {
    const sr = await draft();
    await submit(sr.id as string);
    const current = await read<ServiceRequest>(`ServiceRequest/${sr.id}`);
    const byOwner = await t.request.put(`/fhir/ServiceRequest/${sr.id}`).set(as('owner')).send({ ...current, status: 'revoked' });
    expect(byOwner.status).toBe(409);
    await t.request.put(`/fhir/ServiceRequest/${sr.id}`).set(as('requester')).send({ ...current, status: 'revoked' }).expect(200);
    const task = await taskOf(sr.id as string);
    expect(task.status).toBe('cancelled');
    const trail = await provenances(task.id as string);
    expect(trail[trail.length - 1].activity?.coding?.[0].code).toBe('cancelled');
  });
});

describe('routing', () => {
  it('assigns only a specialist licensed in the patient state, and skips one who is not available', async () => {
    const admin = d.tokens.administrator;
    const licence = (state: string) => ({ code: { text: 'Medical licence' }, extension: [{ url: 'https://relay.example/fhir/StructureDefinition/licence-jurisdiction', valueCodeableConcept: { coding: [{ system: 'https://www.usps.com/', code: state }] } }] });
    await put(t, admin, { resourceType: 'Patient', id: 'w-oregon', identifier: [{ system: 'urn:mrn', value: 'or-1' }], address: [{ state: 'OR' }] });
    for (const [id, state, away] of [
      ['w-uro-wa', 'WA', false],
      ['w-uro-or-away', 'OR', true],
      ['w-uro-or', 'OR', false],
    ] as const) {
      await put(t, admin, { resourceType: 'Practitioner', id, qualification: [licence(state)] });
      await put(t, admin, {
        resourceType: 'PractitionerRole',
        id: `${id}-role`,
        active: true,
        practitioner: { reference: `Practitioner/${id}` },
        specialty: [{ coding: [{ system: SPECIALTY, code: 'urology' }] }],
        ...(away ? { notAvailable: [{ description: 'leave', during: { start: '2026-01-01T00:00:00Z', end: '2026-12-31T00:00:00Z' } }] } : {}),
      });
    }
    const sr = await draft({ category: [{ coding: [{ system: SPECIALTY, code: 'urology' }] }], subject: { reference: 'Patient/w-oregon' }, requester: { reference: d.requesterRole } });
    await submit(sr.id as string).expect(200);
    expect((await taskOf(sr.id as string)).owner?.reference).toBe('PractitionerRole/w-uro-or-role');
  });
});

describe('escalation', () => {
  it('reassigns an overdue consult not yet accepted, marks it overdue once, and is for administrators only', async () => {
    const admin = d.tokens.administrator;
    const licence = { code: { text: 'Medical licence' }, extension: [{ url: 'https://relay.example/fhir/StructureDefinition/licence-jurisdiction', valueCodeableConcept: { coding: [{ system: 'https://www.usps.com/', code: 'NV' }] } }] };
    await put(t, admin, { resourceType: 'Patient', id: 'w-nevada', identifier: [{ system: 'urn:mrn', value: 'nv-1' }], address: [{ state: 'NV' }] });
    for (const id of ['w-pt-1', 'w-pt-2']) {
      await put(t, admin, { resourceType: 'Practitioner', id, qualification: [licence] });
      await put(t, admin, { resourceType: 'PractitionerRole', id: `${id}-role`, active: true, practitioner: { reference: `Practitioner/${id}` }, specialty: [{ coding: [{ system: SPECIALTY, code: 'physical-therapy' }] }] });
    }
    // Physical therapy needs one video (default rules): a tiny MP4 with its stated size and SHA-1.
    const sr = await draft({ priority: 'asap', category: [{ coding: [{ system: SPECIALTY, code: 'physical-therapy' }] }], subject: { reference: 'Patient/w-nevada' } });
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(12)]);
    const video = {
      resourceType: 'Media',
      status: 'completed',
      basedOn: [{ reference: `ServiceRequest/${sr.id}` }],
      subject: { reference: 'Patient/w-nevada' },
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'video' }] },
      content: { contentType: 'video/mp4', data: bytes.toString('base64'), size: bytes.length, hash: createHash('sha1').update(bytes).digest('base64') },
    };
    await t.request.post('/fhir/Media').set(as('requester')).send(video).expect(201);
    await submit(sr.id as string).expect(200);
    let task = await taskOf(sr.id as string);
    const first = task.owner?.reference;
    expect(['PractitionerRole/w-pt-1-role', 'PractitionerRole/w-pt-2-role']).toContain(first);

    expect((await t.request.post('/fhir/Task/$escalate').set(as('requester')).send()).status).toBe(403);
    const early = await t.request.post('/fhir/Task/$escalate').set(as('administrator')).send().expect(200);
    expect((early.body as Bundle).entry ?? []).toHaveLength(0);

    now = new Date(now.getTime() + 5 * 3_600_000); // asap: due in 4 h
    const late = await t.request.post('/fhir/Task/$escalate').set(as('administrator')).send().expect(200);
    const escalated = ((late.body as Bundle).entry ?? []).map((e) => e.resource as Task).filter((x) => x.id === task.id);
    expect(escalated).toHaveLength(1);
    task = await read<Task>(`Task/${task.id}`);
    expect(task.status).toBe('received');
    expect(task.owner?.reference).not.toBe(first);
    expect(task.businessStatus?.coding?.map((c) => c.code)).toEqual(['overdue']);
    const trail = await provenances(task.id as string);
    expect(trail[trail.length - 1]).toMatchObject({ agent: [{ who: { reference: 'Device/relay' } }] });
    expect(trail[trail.length - 1].activity?.text).toMatch(/overdue: due .*; reassigned to PractitionerRole\/w-pt-\d-role/);

    const again = await t.request.post('/fhir/Task/$escalate').set(as('administrator')).send().expect(200);
    expect(((again.body as Bundle).entry ?? []).filter((e) => e.resource?.id === task.id)).toHaveLength(0);
  });
});

describe('jurisdiction policy', () => {
  it('needs an established relationship for a patient-initiated consult in TX, and routes within it', async () => {
    const admin = d.tokens.administrator;
    await put(t, admin, { resourceType: 'Patient', id: 'w-texan', identifier: [{ system: 'urn:mrn', value: 'tx-1' }], address: [{ state: 'TX' }] });
    const patient = bearer(await accessToken(t, { scope: 'patient/*.cruds', extra: { patient: 'w-texan' } }));
    const sr = { ...consultRequest(`wf-${++seq}`, d), performer: undefined, subject: { reference: 'Patient/w-texan' }, requester: { reference: 'Patient/w-texan' } };
    await t.request.put(`/fhir/ServiceRequest/${sr.id}`).set(patient).send(sr).expect(201);

    const refused = await t.request.post(`/fhir/ServiceRequest/${sr.id}/$submit`).set(patient).send();
    expect(refused.status).toBe(422);
    expect((refused.body as OperationOutcome).issue).toEqual([
      expect.objectContaining({ severity: 'error', code: 'business-rule', expression: ['ServiceRequest.requester'], diagnostics: expect.stringMatching(/^TX test policy: the patient lives in TX and has no finished Encounter/) }),
    ]);

    // The specialist holds a Texas licence (routing checks it for a patient living in TX).
    const texasLicence = { code: { text: 'Medical licence' }, extension: [{ url: 'https://relay.example/fhir/StructureDefinition/licence-jurisdiction', valueCodeableConcept: { coding: [{ system: 'https://www.usps.com/', code: 'TX' }] } }] };
    await put(t, admin, { resourceType: 'Practitioner', id: 'w-specialist', name: [{ family: 'specialist' }], qualification: [texasLicence] });
    await put(t, admin, { resourceType: 'Encounter', id: 'w-texan-visit', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'Patient/w-texan' }, serviceProvider: { reference: 'Organization/w-specialists' } });
    await t.request.post(`/fhir/ServiceRequest/${sr.id}/$submit`).set(patient).send().expect(200);
    const task = await taskOf(sr.id as string);
    expect(task).toMatchObject({ status: 'received', owner: { reference: d.ownerRole }, requester: { reference: 'Patient/w-texan' } });
  });

  it('leaves a clinician-requested consult for the same patient unaffected', async () => {
    const sr = await draft({ subject: { reference: 'Patient/w-texan' } });
    await t.request.post(`/fhir/ServiceRequest/${sr.id}/$submit`).set(as('requester')).send().expect(200);
  });
});
