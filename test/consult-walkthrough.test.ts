/**
 * The draft consults of examples/<specialty>/submission.json (examples/README.md, "Submissions"), each
 * loaded as its sender would send it and walked through its lifecycle over HTTP only, with SMART
 * tokens for each person and an injected clock (README "Consult workflow"). Together they cover a
 * request-for-information round trip (a Communication, and a sub-Task with a Questionnaire), a
 * rejection with automatic reassignment and a redirect by the requester, a missed due time and its
 * escalation ($escalate), a cancellation, and completion by a final report followed by an amended one.
 * Each walkthrough is a sequence of steps (its) on one app: a step relies on the ones before it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Attachment, Bundle, Communication, DiagnosticReport, Media, OperationOutcome, QuestionnaireResponse, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { sniffMismatch } from '../src/binary/sniff';
import { accessToken, bearer } from './helpers/auth';
import { startTestApp, type TestApp } from './helpers/test-app';
import {
  allStored,
  EXAMPLES,
  hoursAfter,
  MESSAGE_CATEGORY,
  messageCategory,
  readBundle,
  resourcesOf,
  submissionFile,
  submitted,
  stages,
  SUBMISSIONS,
  Walk,
} from './helpers/walkthrough';

const SPECIALTY = 'https://relay.example/fhir/CodeSystem/consult-specialty';
const FULFILL = 'http://hl7.org/fhir/CodeSystem/task-code|fulfill';
const ref = (r: Resource) => `${r.resourceType}/${r.id}`;
const firstIssue = (res: { body: OperationOutcome }) => res.body.issue?.[0];

describe('examples/<specialty>/submission.json', () => {
  const submissions = SUBMISSIONS.map((s) => [s, readBundle(submissionFile(s))] as const);
  const consults = fs
    .readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(EXAMPLES, d.name, 'consult.json')))
    .map((d) => [d.name, readBundle(path.join(EXAMPLES, d.name, 'consult.json'))] as const);

  let t: TestApp;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart' });
    admin = bearer(await accessToken(t, { scope: 'system/*.cruds', exp: 3600 }));
  });
  afterAll(() => t.close());

  it.each(submissions)('%s: a transaction of PUTs holding a draft consult of its specialty, and nothing a specialist writes', (specialty, bundle) => {
    const resources = resourcesOf(bundle);
    expect(bundle.type).toBe('transaction');
    expect((bundle.entry ?? []).map((e) => `${e.request?.method} ${e.request?.url}`)).toEqual(resources.map((r) => `PUT ${ref(r)}`));
    const requests = resources.filter((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');
    expect(requests.map((r) => [r.status, r.category?.[0]?.coding?.find((c) => c.system === SPECIALTY)?.code])).toEqual([['draft', specialty]]);
    expect(resources.filter((r) => ['Task', 'DiagnosticReport', 'Provenance'].includes(r.resourceType))).toEqual([]);
    expect(resources.filter((r) => r.resourceType === 'Media').length).toBeGreaterThan(0);
  });

  it.each(submissions)('%s: every Media carries real bytes of its content type, with the right size and SHA-1', (_specialty, bundle) => {
    const media = resourcesOf(bundle).filter((r): r is Media => r.resourceType === 'Media');
    const wrong = media.flatMap((m) => {
      const a = m.content as Attachment;
      const bytes = Buffer.from(a.data ?? '', 'base64');
      const problems = [
        bytes.length === 0 ? 'no data' : undefined,
        a.size !== bytes.length ? `size ${a.size}, data ${bytes.length} bytes` : undefined,
        a.hash !== createHash('sha1').update(bytes).digest('base64') ? 'hash is not the SHA-1 of the data' : undefined,
        sniffMismatch(a.contentType as string, bytes.subarray(0, 132)),
      ];
      return problems.filter((p) => p !== undefined).map((p) => `Media/${m.id}: ${p}`);
    });
    expect(wrong).toEqual([]);
    // Every declared type is one Relay checks by its signature, so the bytes were really compared.
    expect(media.map((m) => m.content.contentType).every((type) => ['image/png', 'image/jpeg', 'application/dicom', 'video/mp4'].includes(type as string))).toBe(true);
  });

  it('no submission reuses an id of another submission or of a complete consult.json', () => {
    const owners = new Map<string, string[]>();
    for (const [name, bundle] of [...submissions.map(([s, b]) => [`${s}/submission.json`, b] as const), ...consults.map(([s, b]) => [`${s}/consult.json`, b] as const)]) {
      for (const r of resourcesOf(bundle)) owners.set(ref(r), [...(owners.get(ref(r)) ?? []), name]);
    }
    expect([...owners].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  it('all of them load, each as one transaction, into one server beside every consult.json', async () => {
    for (const [name, bundle] of [...consults.map(([s, b]) => [`${s}/consult.json`, b] as const), ...submissions.map(([s, b]) => [`${s}/submission.json`, b] as const)]) {
      const res = await t.request.post('/fhir').set(admin).send(bundle);
      expect({ name, status: res.status, stored: res.status === 200 && allStored(res.body) }).toEqual({ name, status: 200, stored: true });
    }
  });

  it.each(submissions)('%s: every resource passes $validate without errors', async (_specialty, bundle) => {
    const errors: string[] = [];
    for (const r of resourcesOf(bundle)) {
      const res = await t.request.post(`/fhir/${r.resourceType}/$validate`).set(admin).send(r);
      expect(res.status).toBe(200);
      for (const i of (res.body as OperationOutcome).issue ?? []) {
        if (i.severity === 'error' || i.severity === 'fatal') errors.push(`${ref(r)}: ${i.expression?.join(', ')} ${i.diagnostics}`);
      }
    }
    expect(errors).toEqual([]);
  });
});

describe('teledermatology (examples/dermatology/submission.json): rejected and reassigned, a question answered, reported and amended', () => {
  const SR = 'tderm-consult';
  let w: Walk;
  let referrer: Record<string, string>;
  let brennan: Record<string, string>;
  let castillo: Record<string, string>;
  let taskId: string;
  let question: Communication;
  let reply: Communication;

  beforeAll(async () => {
    w = await Walk.start('2026-03-02T17:00:00Z');
    referrer = await w.user('Practitioner/tderm-referrer');
    brennan = await w.user('Practitioner/tderm-brennan');
    castillo = await w.user('Practitioner/tderm-castillo');
  });
  afterAll(() => w.close());

  it('the referring physician posts the draft consult (the directory is already there); nothing is routed yet', async () => {
    const loaded = await w.load('dermatology', referrer);
    expect(allStored(loaded.directory)).toBe(true);
    expect(allStored(loaded.consult)).toBe(true);
    expect(await w.requestStatus(SR)).toBe('draft');
    expect(await w.search(`Task?focus=ServiceRequest/${SR}`)).toEqual([]);
  });

  it('$submit passes the submission check, sets the due time (routine: 72 h) and routes to the first dermatologist licensed in Oregon', async () => {
    const res = await w.submit(SR, referrer);
    expect(res.status).toBe(200);
    const { request, task } = submitted(res.body);
    taskId = task.id as string;
    expect(request.status).toBe('active');
    // Dr Adeyemi's role sorts first but she is licensed in Washington only; the patient lives in Oregon.
    expect(task).toMatchObject({ status: 'received', owner: { reference: 'PractitionerRole/tderm-brennan-role' }, requester: { reference: 'PractitionerRole/tderm-referrer-role' }, for: { reference: 'Patient/tderm-patient' } });
    expect(task.restriction?.period?.end).toBe(hoursAfter(w.now, 72));
  });

  it('Dr Brennan rejects it (a reason is required); Relay reassigns it to Dr Castillo, and Dr Brennan no longer sees it', async () => {
    const withoutReason = await w.move(taskId, 'rejected', brennan);
    expect(withoutReason.status).toBe(409);
    expect(firstIssue(withoutReason)?.expression).toEqual(['Task.statusReason']);
    w.advance(50);
    const rejected = await w.move(taskId, 'rejected', brennan, { statusReason: { text: 'Away from Thursday for two weeks; cannot follow up on a biopsy' } });
    expect(rejected.status).toBe(200);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'received', owner: { reference: 'PractitionerRole/tderm-castillo-role' } });
    expect(await w.requestStatus(SR)).toBe('active');
    expect((await w.t.request.get(`/fhir/Task/${taskId}`).set(brennan)).status).toBe(403);
    expect((await w.t.request.get(`/fhir/Task/${taskId}`).set(castillo)).status).toBe(200);
  });

  it('Dr Castillo accepts and starts, asks the referring physician a question and puts the consult on hold', async () => {
    w.advance(120);
    expect((await w.move(taskId, 'accepted', castillo)).status).toBe(200);
    expect((await w.move(taskId, 'in-progress', castillo)).status).toBe(200);
    const ask: Communication = {
      resourceType: 'Communication',
      status: 'completed',
      category: messageCategory('request-for-information'),
      basedOn: [{ reference: `ServiceRequest/${SR}` }],
      about: [{ reference: `ServiceRequest/${SR}` }, { reference: `Task/${taskId}` }],
      subject: { reference: 'Patient/tderm-patient' },
      sent: w.now.toISOString(),
      sender: { reference: 'PractitionerRole/tderm-castillo-role' },
      recipient: [{ reference: 'PractitionerRole/tderm-referrer-role' }],
      payload: [{ contentString: 'Is the lesion tender or indurated on palpation, and is he immunosuppressed (transplant, methotrexate)?' }],
    };
    const posted = await w.post(ask, castillo);
    expect(posted.status).toBe(201);
    question = posted.body;
    const held = await w.move(taskId, 'on-hold', castillo);
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ status: 'on-hold', owner: { reference: 'PractitionerRole/tderm-castillo-role' } });
    expect(stages(held.body)).toEqual(['awaiting-information']);
    expect(await w.requestStatus(SR)).toBe('active');
    // The referring physician's worklist "waiting for an answer from me".
    const waiting = await w.search<Task>('Task?requester=PractitionerRole/tderm-referrer-role&status=on-hold', referrer);
    expect(waiting.map((x) => x.id)).toEqual([taskId]);
  });

  it('the referring physician replies; the consult returns to in-progress by itself', async () => {
    w.advance(240);
    const answer: Communication = {
      resourceType: 'Communication',
      status: 'completed',
      category: messageCategory('reply'),
      basedOn: [{ reference: `ServiceRequest/${SR}` }],
      about: [{ reference: `ServiceRequest/${SR}` }],
      inResponseTo: [{ reference: `Communication/${question.id}` }],
      subject: { reference: 'Patient/tderm-patient' },
      sent: w.now.toISOString(),
      sender: { reference: 'PractitionerRole/tderm-referrer-role' },
      recipient: [{ reference: 'PractitionerRole/tderm-castillo-role' }],
      payload: [{ contentString: 'Mildly tender, firm at the base. Not immunosuppressed; no methotrexate.' }],
    };
    const posted = await w.post(answer, referrer);
    expect(posted.status).toBe(201);
    reply = posted.body;
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'in-progress', owner: { reference: 'PractitionerRole/tderm-castillo-role' } });
    expect(task.businessStatus).toBeUndefined();
    const messages = await w.search<Communication>(`Communication?about=ServiceRequest/${SR}`, castillo);
    expect(messages.map((m) => m.category?.[0]?.coding?.[0]?.code).sort()).toEqual(['reply', 'request-for-information']);
  });

  const report = (id: string, status: DiagnosticReport['status'], conclusion: string): DiagnosticReport => ({
    resourceType: 'DiagnosticReport',
    id,
    status,
    basedOn: [{ reference: `ServiceRequest/${SR}` }],
    code: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }] },
    subject: { reference: 'Patient/tderm-patient' },
    issued: w.now.toISOString(),
    resultsInterpreter: [{ reference: 'PractitionerRole/tderm-castillo-role' }],
    media: [{ link: { reference: 'Media/tderm-photo-closeup' } }, { link: { reference: 'Media/tderm-photo-overview' } }],
    conclusion,
    conclusionCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'L57.0', display: 'Actinic keratosis' }] }],
  });

  it("Dr Castillo's final report completes the Task (the report is its output) and the ServiceRequest", async () => {
    w.advance(90);
    const posted = await w.put(report('tderm-report', 'final', 'Hypertrophic actinic keratosis; squamous cell carcinoma in situ not excluded (tender, indurated, recurrent after cryotherapy). Shave biopsy at the clinic.'), castillo);
    expect(posted.status).toBe(201);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task.status).toBe('completed');
    expect(task.output?.map((o) => o.valueReference?.reference)).toEqual(['DiagnosticReport/tderm-report']);
    expect(await w.requestStatus(SR)).toBe('completed');
  });

  it('an amended report afterwards is recorded: the Task stays completed and lists both reports', async () => {
    w.advance(24 * 60);
    const amended = report('tderm-report-amended', 'amended', 'Amended: on review of the dermoscopy, rosettes and white structureless areas favour SCC in situ; excise with 4 mm margins rather than shave biopsy.');
    expect((await w.put(amended, castillo)).status).toBe(201);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task.status).toBe('completed');
    expect(task.output?.map((o) => o.valueReference?.reference)).toEqual(['DiagnosticReport/tderm-report', 'DiagnosticReport/tderm-report-amended']);
    expect(await w.requestStatus(SR)).toBe('completed');
  });

  it('the Provenance trail records every step, who took it, and the reassignment', async () => {
    expect(await w.trail(taskId)).toEqual([
      'draft by Practitioner/tderm-referrer',
      'requested by Practitioner/tderm-referrer',
      'received by Device/relay',
      'rejected by Practitioner/tderm-brennan',
      'received by Device/relay',
      'accepted by Practitioner/tderm-castillo',
      'in-progress by Practitioner/tderm-castillo',
      'on-hold by Practitioner/tderm-castillo',
      'in-progress by Device/relay',
      'completed by Practitioner/tderm-castillo',
      'completed by Practitioner/tderm-castillo',
    ]);
    const texts = (await w.provenance(taskId)).map((p) => p.activity?.text);
    expect(texts[2]).toMatch(/PractitionerRole\/tderm-brennan-role/);
    expect(texts[3]).toMatch(/cannot follow up on a biopsy/);
    expect(texts[4]).toMatch(/reassigned to PractitionerRole\/tderm-castillo-role/);
  });

  it('$package holds the whole consult', async () => {
    const { bundle, refs } = await w.packageOf(SR, castillo);
    expect(bundle.type).toBe('collection');
    expect(refs[0]).toBe(`ServiceRequest/${SR}`);
    expect(refs.filter((r) => !r.startsWith('Provenance/')).sort()).toEqual(
      [
        `ServiceRequest/${SR}`,
        'Patient/tderm-patient',
        'PractitionerRole/tderm-referrer-role',
        'Practitioner/tderm-referrer',
        'Organization/tderm-clinic',
        `Task/${taskId}`,
        'QuestionnaireResponse/tderm-intake',
        'Questionnaire/intake-dermatology',
        'Media/tderm-photo-overview',
        'Media/tderm-photo-closeup',
        `Communication/${question.id}`,
        `Communication/${reply.id}`,
        'DiagnosticReport/tderm-report',
        'DiagnosticReport/tderm-report-amended',
      ].sort(),
    );
    expect(refs.filter((r) => r.startsWith('Provenance/'))).toHaveLength(11);
  });
});

describe('diabetic retinopathy screening (examples/diabetic-retinopathy-screening/submission.json): overdue and escalated, a sub-Task questionnaire, reported', () => {
  const SR = 'drs-consult';
  const ACUITY = 'https://bluegrass-retina.example.org/fhir/Questionnaire/visual-acuity';
  const SDC = 'http://hl7.org/fhir/uv/sdc/CodeSystem/temp';
  let w: Walk;
  let referrer: Record<string, string>;
  let grader: Record<string, string>;
  let ophthalmologist: Record<string, string>;
  let taskId: string;
  let due: string;
  let subTaskId: string;

  beforeAll(async () => {
    w = await Walk.start('2026-03-09T14:30:00Z');
    referrer = await w.user('Practitioner/drs-referrer');
    grader = await w.user('Practitioner/drs-grader');
    ophthalmologist = await w.user('Practitioner/drs-ophthalmologist');
  });
  afterAll(() => w.close());

  it('the nurse practitioner posts the draft and submits it; Relay routes it to the retinal grader (ophthalmology also qualifies, ties go by id)', async () => {
    const loaded = await w.load('diabetic-retinopathy-screening', referrer);
    expect(allStored(loaded.directory) && allStored(loaded.consult)).toBe(true);
    const res = await w.submit(SR, referrer);
    expect(res.status).toBe(200);
    const { request, task } = submitted(res.body);
    taskId = task.id as string;
    due = hoursAfter(w.now, 72);
    expect(request.status).toBe('active');
    expect(task).toMatchObject({ status: 'received', owner: { reference: 'PractitionerRole/drs-grader-role' }, restriction: { period: { end: due } } });
    expect((await w.t.request.get(`/fhir/Task/${taskId}`).set(grader)).status).toBe(200);
  });

  it('before the due time, $escalate escalates nothing', async () => {
    w.advance(71 * 60);
    const res = await w.escalate();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect((res.body as Bundle).entry ?? []).toEqual([]);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'received', owner: { reference: 'PractitionerRole/drs-grader-role' } });
    expect(task.businessStatus).toBeUndefined();
  });

  it('past the due time with nobody having accepted, $escalate reassigns the consult to the ophthalmologist and marks it overdue', async () => {
    w.advance(2 * 60); // due + 1 h
    expect(w.now.getTime()).toBeGreaterThan(Date.parse(due));
    const overdue = await w.search<Task>(`Task?code=${FULFILL}&status=requested,received,accepted,in-progress,on-hold&due=lt${w.now.toISOString()}`);
    expect(overdue.map((x) => x.id)).toEqual([taskId]);

    const res = await w.escalate();
    expect(res.status).toBe(200);
    const escalated = ((res.body as Bundle).entry ?? []).map((e) => e.resource as Task);
    expect(escalated.map((x) => x.id)).toEqual([taskId]);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'received', owner: { reference: 'PractitionerRole/drs-ophthalmologist-role' } });
    expect(stages(task)).toEqual(['overdue']);
    expect(escalated[0]).toMatchObject({ status: 'received', owner: task.owner, businessStatus: task.businessStatus });
    expect(await w.requestStatus(SR)).toBe('active');
    const last = (await w.provenance(taskId)).at(-1);
    expect(last?.target[0].reference).toBe(`Task/${taskId}/_history/${task.meta?.versionId}`);
    expect(last?.agent[0].who?.reference).toBe('Device/relay');
    expect(last?.recorded).toBe(w.now.toISOString());
    expect((await w.t.request.get(`/fhir/Task/${taskId}`).set(ophthalmologist)).status).toBe(200);
  });

  it('the ophthalmologist accepts and starts, then asks the clinic for visual acuity with a sub-Task (a Questionnaire to complete) and holds the consult', async () => {
    w.advance(30);
    expect((await w.move(taskId, 'accepted', ophthalmologist)).status).toBe(200);
    expect((await w.move(taskId, 'in-progress', ophthalmologist)).status).toBe(200);
    const subTask: Task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: SDC, code: 'complete-questionnaire' }], text: 'Complete the questionnaire' },
      description: 'The right fundus image is partly ungradable (small pupil). Please record best-corrected visual acuity for each eye.',
      partOf: [{ reference: `Task/${taskId}` }],
      for: { reference: 'Patient/drs-patient' },
      authoredOn: w.now.toISOString(),
      requester: { reference: 'PractitionerRole/drs-ophthalmologist-role' },
      owner: { reference: 'PractitionerRole/drs-referrer-role' },
      input: [{ type: { coding: [{ system: SDC, code: 'questionnaire' }] }, valueCanonical: ACUITY }],
    };
    const created = await w.post(subTask, ophthalmologist);
    expect(created.status).toBe(201);
    subTaskId = created.body.id;
    const held = await w.move(taskId, 'on-hold', ophthalmologist);
    expect(held.status).toBe(200);
    // Still overdue, and now also waiting for the clinic.
    expect(stages(held.body)).toEqual(['awaiting-information', 'overdue']);
    // The clinic's worklist: a questionnaire to complete.
    const todo = await w.search<Task>('Task?owner=PractitionerRole/drs-referrer-role&status=requested', referrer);
    expect(todo.map((x) => x.id)).toEqual([subTaskId]);
  });

  it('the clinic answers the Questionnaire (checked against it) and completes the sub-Task; the consult resumes by itself', async () => {
    w.advance(5 * 60);
    const answers = (left: boolean): QuestionnaireResponse => ({
      resourceType: 'QuestionnaireResponse',
      questionnaire: ACUITY,
      status: 'completed',
      basedOn: [{ reference: `ServiceRequest/${SR}` }],
      subject: { reference: 'Patient/drs-patient' },
      authored: w.now.toISOString(),
      author: { reference: 'PractitionerRole/drs-referrer-role' },
      item: [
        { linkId: 'right-eye', answer: [{ valueString: '20/60' }] },
        ...(left ? [{ linkId: 'left-eye', answer: [{ valueString: '20/25' }] }] : []),
        { linkId: 'pinhole-improves', answer: [{ valueBoolean: true }] },
      ],
    });
    const incomplete = await w.post(answers(false), referrer);
    expect(incomplete.status).toBe(400);
    expect((incomplete.body as OperationOutcome).issue).toEqual([expect.objectContaining({ severity: 'error', code: 'required', diagnostics: expect.stringMatching(/item "left-eye" is required/) })]);

    const response = await w.post(answers(true), referrer);
    expect(response.status).toBe(201);
    const subTask = await w.read<Task>(`Task/${subTaskId}`);
    const done = await w.put({ ...subTask, status: 'completed', output: [{ type: { coding: [{ system: SDC, code: 'questionnaire-response' }] }, valueReference: { reference: `QuestionnaireResponse/${response.body.id}` } }] }, referrer);
    expect(done.status).toBe(200);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'in-progress', owner: { reference: 'PractitionerRole/drs-ophthalmologist-role' } });
    expect(stages(task)).toEqual(['overdue']);
  });

  it("the ophthalmologist's final report completes the consult", async () => {
    w.advance(45);
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: 'drs-report',
      status: 'final',
      basedOn: [{ reference: `ServiceRequest/${SR}` }],
      code: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }], text: 'Diabetic retinopathy screening report' },
      subject: { reference: 'Patient/drs-patient' },
      issued: w.now.toISOString(),
      resultsInterpreter: [{ reference: 'PractitionerRole/drs-ophthalmologist-role' }],
      media: [{ link: { reference: 'Media/drs-fundus-right' } }, { link: { reference: 'Media/drs-fundus-left' } }],
      conclusion: 'Mild non-proliferative diabetic retinopathy in both eyes, no macular oedema on the gradable fields. Reduced right acuity (20/60, improves with pinhole) suggests cataract: refer for a dilated exam within 3 months; rescreen in 12 months.',
      conclusionCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.3293', display: 'Type 2 diabetes mellitus with mild nonproliferative diabetic retinopathy without macular edema, bilateral' }] }],
    };
    expect((await w.put(report, ophthalmologist)).status).toBe(201);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task.status).toBe('completed');
    expect(task.output?.map((o) => o.valueReference?.reference)).toEqual(['DiagnosticReport/drs-report']);
    expect(await w.requestStatus(SR)).toBe('completed');
  });

  it('the Provenance trail shows the escalation by Relay between routing and acceptance', async () => {
    expect(await w.trail(taskId)).toEqual([
      'draft by Practitioner/drs-referrer',
      'requested by Practitioner/drs-referrer',
      'received by Device/relay',
      'received by Device/relay',
      'accepted by Practitioner/drs-ophthalmologist',
      'in-progress by Practitioner/drs-ophthalmologist',
      'on-hold by Practitioner/drs-ophthalmologist',
      'in-progress by Device/relay',
      'completed by Practitioner/drs-ophthalmologist',
    ]);
    const escalation = (await w.provenance(taskId))[3];
    expect(escalation.recorded).toBe(hoursAfter(new Date('2026-03-09T14:30:00Z'), 73));
    expect(escalation.activity?.text).toMatch(/overdue.*reassigned to PractitionerRole\/drs-ophthalmologist-role/);
  });

  it('$package holds the consult with the sub-Task, both questionnaires and their responses', async () => {
    const { refs } = await w.packageOf(SR);
    expect(refs[0]).toBe(`ServiceRequest/${SR}`);
    const responses = await w.search<QuestionnaireResponse>(`QuestionnaireResponse?based-on=ServiceRequest/${SR}`);
    expect(responses).toHaveLength(2);
    expect(refs.filter((r) => !r.startsWith('Provenance/')).sort()).toEqual(
      [
        `ServiceRequest/${SR}`,
        'Patient/drs-patient',
        'PractitionerRole/drs-referrer-role',
        'Practitioner/drs-referrer',
        'Organization/drs-clinic',
        // the sub-Task's requester (the ophthalmologist) is a requester of the package too
        'PractitionerRole/drs-ophthalmologist-role',
        'Practitioner/drs-ophthalmologist',
        'Organization/drs-reading-center',
        `Task/${taskId}`,
        `Task/${subTaskId}`,
        ...responses.map(ref),
        'Questionnaire/intake-diabetic-retinopathy',
        'Questionnaire/drs-visual-acuity',
        'Media/drs-fundus-right',
        'Media/drs-fundus-left',
        'DiagnosticReport/drs-report',
      ].sort(),
    );
    expect(refs.filter((r) => r.startsWith('Provenance/'))).toHaveLength(9);
  });
});

describe('teleradiology (examples/radiology/submission.json): a DICOM study routed to a reading pool, claimed by a licensed radiologist, reported', () => {
  const SR = 'trad-consult';
  let w: Walk;
  let physician: Record<string, string>;
  let nebraska: Record<string, string>;
  let colorado: Record<string, string>;
  let taskId: string;

  beforeAll(async () => {
    w = await Walk.start('2026-03-03T08:15:00Z');
    physician = await w.user('Practitioner/trad-referrer');
    nebraska = await w.user('Practitioner/trad-radiologist-ne');
    colorado = await w.user('Practitioner/trad-radiologist-co');
  });
  afterAll(() => w.close());

  it('the emergency physician posts the study; the DICOM bytes are stored as sent', async () => {
    const loaded = await w.load('radiology', physician);
    expect(allStored(loaded.directory) && allStored(loaded.consult)).toBe(true);
    const media = await w.read<Media>('Media/trad-chest-pa');
    const bytes = Buffer.from(media.content.data as string, 'base64');
    expect(bytes.subarray(128, 132).toString('latin1')).toBe('DICM');
    expect(media.content).toMatchObject({ contentType: 'application/dicom', size: bytes.length, hash: createHash('sha1').update(bytes).digest('base64') });
  });

  it('$submit (stat: due in 1 h) routes the consult to the reading pool, where its members see it', async () => {
    const res = await w.submit(SR, physician);
    expect(res.status).toBe(200);
    const { task } = submitted(res.body);
    taskId = task.id as string;
    expect(task).toMatchObject({ status: 'received', owner: { reference: 'HealthcareService/trad-night-pool' }, restriction: { period: { end: hoursAfter(w.now, 1) } } });
    for (const member of [nebraska, colorado]) {
      const waiting = await w.search<Task>('Task?owner=HealthcareService/trad-night-pool&status=received&_sort=due', member);
      expect(waiting.map((x) => x.id)).toEqual([taskId]);
    }
  });

  it('a pool member licensed only in Colorado may not claim a Nebraska patient’s study', async () => {
    w.advance(4);
    const res = await w.t.request.post(`/fhir/Task/${taskId}/$claim`).set(colorado).send();
    expect(res.status).toBe(409);
    expect(firstIssue(res)).toMatchObject({ code: 'business-rule', expression: ['Task.owner'] });
    expect(firstIssue(res)?.diagnostics).toMatch(/licensed in the patient's jurisdiction/);
    expect(await w.read<Task>(`Task/${taskId}`)).toMatchObject({ status: 'received', owner: { reference: 'HealthcareService/trad-night-pool' } });
  });

  it('the Nebraska-licensed radiologist claims it ($claim: accepted, owner their role) and starts reading', async () => {
    w.advance(2);
    const claimed = await w.t.request.post(`/fhir/Task/${taskId}/$claim`).set(nebraska).send();
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ status: 'accepted', owner: { reference: 'PractitionerRole/trad-radiologist-ne-role' } });
    expect((await w.move(taskId, 'in-progress', nebraska)).status).toBe(200);
    // Claimed: no longer waiting in the pool, and no longer the Colorado radiologist's to see.
    expect(await w.search<Task>('Task?owner=HealthcareService/trad-night-pool&status=received', nebraska)).toEqual([]);
    expect((await w.t.request.get(`/fhir/Task/${taskId}`).set(colorado)).status).toBe(403);
  });

  it('the final report, within the hour, completes the consult', async () => {
    w.advance(31);
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: 'trad-report',
      status: 'final',
      basedOn: [{ reference: `ServiceRequest/${SR}` }],
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '36554-4', display: 'XR Chest Single view' }] },
      subject: { reference: 'Patient/trad-patient' },
      effectiveDateTime: '2026-03-03T01:58:00-06:00',
      issued: w.now.toISOString(),
      performer: [{ reference: 'Organization/trad-radiology' }],
      resultsInterpreter: [{ reference: 'PractitionerRole/trad-radiologist-ne-role' }],
      media: [{ comment: 'Left lower zone opacity with air bronchograms', link: { reference: 'Media/trad-chest-pa' } }],
      conclusion: 'Left lower lobe consolidation with a small left pleural effusion, consistent with pneumonia. Heart size normal, no pulmonary oedema. No pneumothorax.',
      conclusionCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'J18.1', display: 'Lobar pneumonia, unspecified organism' }] }],
    };
    expect((await w.put(report, nebraska)).status).toBe(201);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'completed', owner: { reference: 'PractitionerRole/trad-radiologist-ne-role' } });
    expect(task.output?.map((o) => o.valueReference?.reference)).toEqual(['DiagnosticReport/trad-report']);
    expect(Date.parse(task.restriction?.period?.end as string)).toBeGreaterThan(w.now.getTime());
    expect(await w.requestStatus(SR)).toBe('completed');
  });

  it('the Provenance trail and the $package', async () => {
    expect(await w.trail(taskId)).toEqual([
      'draft by Practitioner/trad-referrer',
      'requested by Practitioner/trad-referrer',
      'received by Device/relay',
      'accepted by Practitioner/trad-radiologist-ne',
      'in-progress by Practitioner/trad-radiologist-ne',
      'completed by Practitioner/trad-radiologist-ne',
    ]);
    expect((await w.provenance(taskId))[2].activity?.text).toMatch(/routed to HealthcareService\/trad-night-pool/);
    const { refs } = await w.packageOf(SR, physician);
    expect(refs.filter((r) => !r.startsWith('Provenance/')).sort()).toEqual(
      [`ServiceRequest/${SR}`, 'Patient/trad-patient', 'PractitionerRole/trad-referrer-role', 'Practitioner/trad-referrer', 'Organization/trad-hospital', `Task/${taskId}`, 'Media/trad-chest-pa', 'DiagnosticReport/trad-report'].sort(),
    );
    expect(refs.filter((r) => r.startsWith('Provenance/'))).toHaveLength(6);
  });
});

describe('physical-therapy video follow-up (examples/physical-therapy/submission.json): overdue while in progress, then cancelled by the requester', () => {
  const SR = 'ptv-consult';
  let w: Walk;
  let surgeon: Record<string, string>;
  let therapist: Record<string, string>;
  let taskId: string;
  let due: string;

  beforeAll(async () => {
    w = await Walk.start('2026-03-16T21:30:00Z');
    surgeon = await w.user('Practitioner/ptv-referrer');
    therapist = await w.user('Practitioner/ptv-therapist');
  });
  afterAll(() => w.close());

  it('the surgeon posts the draft with the home-exercise video and submits it; the Utah-licensed therapist receives it', async () => {
    const loaded = await w.load('physical-therapy', surgeon);
    expect(allStored(loaded.directory) && allStored(loaded.consult)).toBe(true);
    const video = await w.read<Media>('Media/ptv-exercise-video');
    expect(Buffer.from(video.content.data as string, 'base64').subarray(4, 8).toString('latin1')).toBe('ftyp');
    const res = await w.submit(SR, surgeon);
    expect(res.status).toBe(200);
    const { task } = submitted(res.body);
    taskId = task.id as string;
    due = hoursAfter(w.now, 72);
    expect(task).toMatchObject({ status: 'received', owner: { reference: 'PractitionerRole/ptv-therapist-role' }, restriction: { period: { end: due } } });
  });

  it('the therapist accepts and starts the review', async () => {
    w.advance(18 * 60);
    expect((await w.move(taskId, 'accepted', therapist)).status).toBe(200);
    expect((await w.move(taskId, 'in-progress', therapist)).status).toBe(200);
  });

  it('past the due time, $escalate marks the in-progress consult overdue and leaves it with its owner; a second run changes nothing', async () => {
    w.now = new Date(Date.parse(due) + 30 * 60_000);
    const res = await w.escalate();
    expect(res.status).toBe(200);
    const escalated = ((res.body as Bundle).entry ?? []).map((e) => e.resource as Task);
    expect(escalated.map((x) => x.id)).toEqual([taskId]);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'in-progress', owner: { reference: 'PractitionerRole/ptv-therapist-role' }, restriction: { period: { end: due } } });
    expect(stages(task)).toEqual(['overdue']);
    expect(await w.requestStatus(SR)).toBe('active');

    w.advance(60);
    const again = await w.escalate();
    expect(again.status).toBe(200);
    expect((again.body as Bundle).entry ?? []).toEqual([]);
    expect((await w.read<Task>(`Task/${taskId}`)).meta?.versionId).toBe(task.meta?.versionId);
  });

  it('$escalate is for administrators: the therapist and the surgeon are refused', async () => {
    for (const who of [therapist, surgeon]) expect((await w.escalate(who)).status).toBe(403);
  });

  it('only the requester cancels: the therapist may not revoke the request; the surgeon does, and the Task is cancelled', async () => {
    w.advance(2 * 60);
    const request = await w.read<ServiceRequest>(`ServiceRequest/${SR}`);
    const byTherapist = await w.put({ ...request, status: 'revoked' }, therapist);
    expect(byTherapist.status).toBe(409);
    expect(firstIssue(byTherapist)?.expression).toEqual(['ServiceRequest.status']);
    const revoked = await w.put({ ...request, status: 'revoked', note: [...(request.note ?? []), { text: 'Seen in clinic on 20 March for wound redness; the video review is no longer needed.' }] }, surgeon);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'cancelled', owner: { reference: 'PractitionerRole/ptv-therapist-role' } });
    // Cancelled is terminal: the therapist can no longer complete it.
    const late = await w.move(taskId, 'in-progress', therapist);
    expect(late.status).toBe(409);
    expect(firstIssue(late)?.expression).toEqual(['Task.status']);
  });

  it('the Provenance trail: routed, accepted, started, marked overdue by Relay, cancelled by the surgeon together with the revoked request', async () => {
    expect(await w.trail(taskId)).toEqual([
      'draft by Practitioner/ptv-referrer',
      'requested by Practitioner/ptv-referrer',
      'received by Device/relay',
      'accepted by Practitioner/ptv-therapist',
      'in-progress by Practitioner/ptv-therapist',
      'in-progress by Device/relay',
      'cancelled by Practitioner/ptv-referrer',
    ]);
    const trail = await w.provenance(taskId);
    expect(trail[5].activity?.text).toMatch(/overdue: due /);
    const request = await w.read<ServiceRequest>(`ServiceRequest/${SR}`);
    expect(trail[6].target.map((t) => t.reference)).toContain(`ServiceRequest/${SR}/_history/${request.meta?.versionId}`);
    const { refs } = await w.packageOf(SR);
    expect(refs).toEqual(expect.arrayContaining([`ServiceRequest/${SR}`, `Task/${taskId}`, 'Media/ptv-exercise-video', 'Patient/ptv-patient']));
    expect(refs.filter((r) => r.startsWith('Provenance/'))).toHaveLength(7);
  });
});

describe('patient-initiated message with a photo (examples/general/submission.json): rejected, redirected by the patient, a question answered, reported', () => {
  const SR = 'msg-consult';
  let w: Walk;
  let patient: Record<string, string>;
  let virtual: Record<string, string>;
  let pcp: Record<string, string>;
  let taskId: string;
  let question: Communication;

  beforeAll(async () => {
    w = await Walk.start('2026-03-23T12:10:00Z');
    patient = await w.user('Patient/msg-patient');
    virtual = await w.user('Practitioner/msg-virtual');
    pcp = await w.user('Practitioner/msg-pcp');
  });
  afterAll(() => w.close());

  it("the patient's app posts the draft: the request (the patient as requester), the photo and the message that carries it", async () => {
    const loaded = await w.load('general', patient);
    expect(allStored(loaded.directory) && allStored(loaded.consult)).toBe(true);
    const request = await w.read<ServiceRequest>(`ServiceRequest/${SR}`);
    expect(request).toMatchObject({ status: 'draft', requester: { reference: 'Patient/msg-patient' } });
    const [message] = await w.search<Communication>(`Communication?about=ServiceRequest/${SR}`, patient);
    expect(message.sender?.reference).toBe('Patient/msg-patient');
    expect(message.payload?.map((p) => p.contentReference?.reference).filter(Boolean)).toEqual(['Media/msg-rash-photo']);
    const photo = await w.t.request.get('/fhir/Media/msg-rash-photo').set(patient);
    expect(photo.status).toBe(200);
    expect(Buffer.from(photo.body.content.data, 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('the patient submits; Relay routes it to the on-call virtual-care physician licensed in Virginia', async () => {
    const res = await w.submit(SR, patient);
    expect(res.status).toBe(200);
    const { request, task } = submitted(res.body);
    taskId = task.id as string;
    expect(request.status).toBe('active');
    expect(task).toMatchObject({ status: 'received', requester: { reference: 'Patient/msg-patient' }, owner: { reference: 'PractitionerRole/msg-virtual-role' }, restriction: { period: { end: hoursAfter(w.now, 72) } } });
  });

  it('the virtual-care physician rejects it (no established relationship); with nobody else eligible it stays rejected, the request still active', async () => {
    w.advance(35);
    const res = await w.move(taskId, 'rejected', virtual, {
      statusReason: { text: 'No established patient relationship: Virginia requires one before an asynchronous consult initiated by the patient. Please ask your own physician.' },
    });
    expect(res.status).toBe(200);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task.status).toBe('rejected');
    expect(task.statusReason?.text).toMatch(/established patient relationship/);
    expect(await w.requestStatus(SR)).toBe('active');
  });

  it('the patient redirects it to their own family physician: the Task back to requested with the new owner, which runs the submission check again', async () => {
    w.advance(3 * 60);
    const task = await w.read<Task>(`Task/${taskId}`);
    // One write: rejected → requested (the requester's redirect) naming the new owner. Naming the owner in a write of its
    // own and then calling $submit would not reach them: routing takes the owner of every stored rejected version for
    // one who rejected the consult (src/consult/routing.ts rejectedBy).
    const res = await w.put({ ...task, status: 'requested', owner: { reference: 'PractitionerRole/msg-pcp-role', display: 'Dr. Samuel Okoro' } }, patient);
    expect(res.status).toBe(200);
    const redirected = await w.read<Task>(`Task/${taskId}`);
    expect(redirected).toMatchObject({ status: 'received', owner: { reference: 'PractitionerRole/msg-pcp-role' }, restriction: { period: { end: hoursAfter(w.now, 72) } } });
    expect(await w.requestStatus(SR)).toBe('active');
    expect((await w.t.request.get(`/fhir/Task/${taskId}`).set(virtual)).status).toBe(403);
    expect((await w.t.request.get(`/fhir/Task/${taskId}`).set(pcp)).status).toBe(200);
  });

  it('Dr Okoro accepts, starts and asks the patient a question; the consult waits for the patient', async () => {
    w.advance(60);
    expect((await w.move(taskId, 'accepted', pcp)).status).toBe(200);
    expect((await w.move(taskId, 'in-progress', pcp)).status).toBe(200);
    const ask: Communication = {
      resourceType: 'Communication',
      status: 'completed',
      category: messageCategory('request-for-information'),
      basedOn: [{ reference: `ServiceRequest/${SR}` }],
      about: [{ reference: `ServiceRequest/${SR}` }],
      subject: { reference: 'Patient/msg-patient' },
      sent: w.now.toISOString(),
      sender: { reference: 'PractitionerRole/msg-pcp-role' },
      recipient: [{ reference: 'Patient/msg-patient' }],
      payload: [{ contentString: 'Is the rash anywhere else (face, eyes, genitals)? Any fever, or trouble breathing or swallowing?' }],
    };
    const posted = await w.post(ask, pcp);
    expect(posted.status).toBe(201);
    question = posted.body;
    const held = await w.move(taskId, 'on-hold', pcp);
    expect(held.status).toBe(200);
    expect(stages(held.body)).toEqual(['awaiting-information']);
  });

  it('the patient sees the question in the portal and replies; the consult resumes by itself', async () => {
    w.advance(50);
    const inbox = await w.search<Communication>(`Communication?about=ServiceRequest/${SR}&category=${MESSAGE_CATEGORY}|request-for-information`, patient);
    expect(inbox.map((m) => m.id)).toEqual([question.id]);
    const answer: Communication = {
      resourceType: 'Communication',
      status: 'completed',
      category: messageCategory('reply'),
      basedOn: [{ reference: `ServiceRequest/${SR}` }],
      about: [{ reference: `ServiceRequest/${SR}` }],
      inResponseTo: [{ reference: `Communication/${question.id}` }],
      subject: { reference: 'Patient/msg-patient' },
      sent: w.now.toISOString(),
      sender: { reference: 'Patient/msg-patient' },
      recipient: [{ reference: 'PractitionerRole/msg-pcp-role' }],
      payload: [{ contentString: 'Only the forearms and a streak on my left shin. No fever, breathing is fine.' }],
    };
    expect((await w.post(answer, patient)).status).toBe(201);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task.status).toBe('in-progress');
    expect(stages(task)).toEqual([]);
  });

  it("Dr Okoro's final report completes the consult; the patient can read it", async () => {
    w.advance(20);
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: 'msg-report',
      status: 'final',
      basedOn: [{ reference: `ServiceRequest/${SR}` }],
      code: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }], text: 'Reply to your message' },
      subject: { reference: 'Patient/msg-patient' },
      issued: w.now.toISOString(),
      resultsInterpreter: [{ reference: 'PractitionerRole/msg-pcp-role' }],
      media: [{ link: { reference: 'Media/msg-rash-photo' } }],
      conclusion:
        'Linear streaks of small blisters after clearing brush: allergic contact dermatitis from poison ivy. Wash clothes and tools; cool compresses; clobetasol 0.05% cream twice daily for up to 2 weeks (prescription sent). Come in, or go to urgent care, if it spreads to the face or you get a fever.',
      conclusionCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'L23.7', display: 'Allergic contact dermatitis due to plants, except food' }] }],
    };
    expect((await w.put(report, pcp)).status).toBe(201);
    const task = await w.read<Task>(`Task/${taskId}`);
    expect(task).toMatchObject({ status: 'completed', owner: { reference: 'PractitionerRole/msg-pcp-role' } });
    expect(task.output?.map((o) => o.valueReference?.reference)).toEqual(['DiagnosticReport/msg-report']);
    expect(await w.requestStatus(SR)).toBe('completed');
    const read = await w.t.request.get('/fhir/DiagnosticReport/msg-report').set(patient);
    expect(read.status).toBe(200);
    expect(read.body.conclusion).toMatch(/poison ivy/);
  });

  it('the Provenance trail names the patient for their own steps, and $package holds the consult', async () => {
    expect(await w.trail(taskId)).toEqual([
      'draft by Patient/msg-patient',
      'requested by Patient/msg-patient',
      'received by Device/relay',
      'rejected by Practitioner/msg-virtual',
      'requested by Patient/msg-patient',
      'received by Device/relay',
      'accepted by Practitioner/msg-pcp',
      'in-progress by Practitioner/msg-pcp',
      'on-hold by Practitioner/msg-pcp',
      'in-progress by Device/relay',
      'completed by Practitioner/msg-pcp',
    ]);
    const { refs } = await w.packageOf(SR);
    const messages = await w.search<Communication>(`Communication?about=ServiceRequest/${SR}`);
    expect(messages).toHaveLength(3);
    expect(refs.filter((r) => !r.startsWith('Provenance/')).sort()).toEqual(
      [`ServiceRequest/${SR}`, 'Patient/msg-patient', `Task/${taskId}`, 'Media/msg-rash-photo', ...messages.map(ref), 'DiagnosticReport/msg-report'].sort(),
    );
    expect(refs.filter((r) => r.startsWith('Provenance/'))).toHaveLength(11);
  });
});
