/**
 * $package (README "Consult workflow"): GET|POST ServiceRequest/[id]/$package answers the whole
 * consult as one collection Bundle, in role order, each resource once, current versions only, and
 * only what the caller may read. The dermatology example consult is loaded, then grown by a
 * Communication, sub-Tasks, a second DiagnosticReport, a Provenance, an Observation, a supporting
 * DocumentReference and a deleted Observation; the general example is the unrelated consult.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Media, OperationOutcome, Provenance, Resource } from '@medplum/fhirtypes';
import { PROJECT_ROOT, TEST_BASE_URL, startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer } from './helpers/auth';

type Headers = Record<string, string>;

const FOLLOW_UP = 'https://clinic.example/fhir/Questionnaire/follow-up';
const ref = (reference: string) => ({ reference });
const keys = (bundle: Bundle) => (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

/** Every resource of the grown dermatology consult, in package order (role, then id, then type). */
const EXPECTED = [
  'ServiceRequest/derm-consult',
  'Patient/derm-patient',
  // requesters: of the ServiceRequest and Task (derm-requester-role), of the sub-Tasks (derm-specialist-role), with each role's Practitioner and Organization
  'Organization/derm-clinic',
  'Organization/derm-dermatology-group',
  'Practitioner/derm-requester',
  'PractitionerRole/derm-requester-role',
  'Practitioner/derm-specialist',
  'PractitionerRole/derm-specialist-role',
  'Task/derm-task',
  'Task/derm-more-info',
  'Task/derm-photo-request',
  'QuestionnaireResponse/derm-follow-up',
  'QuestionnaireResponse/derm-intake',
  'Questionnaire/follow-up-1',
  'Questionnaire/intake-dermatology',
  'Media/derm-photo-closeup',
  'Media/derm-photo-overview',
  'Observation/derm-lesion-size',
  'Communication/derm-follow-up-note',
  'Communication/derm-question',
  'Communication/derm-reply',
  'DiagnosticReport/derm-addendum',
  'DiagnosticReport/derm-report',
  'Provenance/derm-addendum-provenance',
  'DocumentReference/derm-referral-letter',
];

function readExample(specialty: string): Bundle {
  return JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'examples', specialty, 'consult.json'), 'utf8')) as Bundle;
}

/** Loads the dermatology and general consults and grows the dermatology one (see the file comment). */
async function seed(t: TestApp, auth: Headers = {}): Promise<void> {
  for (const specialty of ['dermatology', 'general']) {
    const res = await t.request.post('/fhir').set(auth).send(readExample(specialty));
    if (res.status !== 200) throw new Error(`loading ${specialty}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const put = async (resource: Resource) => {
    const res = await t.request.put(`/fhir/${resource.resourceType}/${resource.id}`).set(auth).send(resource);
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT ${resource.resourceType}/${resource.id}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const question = { linkId: 'prior-treatment', text: 'Has the lesion been treated before?', type: 'boolean' as const, required: true };
  for (const version of ['1', '2']) {
    await put({ resourceType: 'Questionnaire', id: `follow-up-${version}`, url: FOLLOW_UP, version, status: 'active', item: [question] });
  }
  await put({
    resourceType: 'QuestionnaireResponse',
    id: 'derm-follow-up',
    questionnaire: `${FOLLOW_UP}|1`,
    status: 'completed',
    subject: ref('Patient/derm-patient'),
    item: [{ linkId: 'prior-treatment', answer: [{ valueBoolean: false }] }],
  });
  const subTask = { resourceType: 'Task' as const, intent: 'order' as const, for: ref('Patient/derm-patient'), requester: ref('PractitionerRole/derm-specialist-role') };
  await put({
    ...subTask,
    id: 'derm-more-info',
    status: 'completed',
    partOf: [ref('Task/derm-task')],
    owner: ref('PractitionerRole/derm-requester-role'),
    input: [{ type: { text: 'questionnaire' }, valueCanonical: `${FOLLOW_UP}|1` }],
    output: [{ type: { text: 'response' }, valueReference: ref('QuestionnaireResponse/derm-follow-up') }],
  });
  await put({ ...subTask, id: 'derm-photo-request', status: 'requested', partOf: [ref(`${TEST_BASE_URL}/Task/derm-more-info`)], owner: ref('Patient/derm-patient') });
  await put({
    resourceType: 'Communication',
    id: 'derm-follow-up-note',
    status: 'completed',
    partOf: [ref('Task/derm-task')],
    subject: ref('Patient/derm-patient'),
    payload: [{ contentString: 'Follow-up questions sent to the referring clinic.' }],
  });
  const report = readExample('dermatology').entry?.find((e) => e.resource?.id === 'derm-report')?.resource as Resource;
  await put({ ...report, id: 'derm-addendum', status: 'amended', conclusion: 'Addendum: no prior treatment; excision advised as stated.' } as Resource);
  await put({
    resourceType: 'Provenance',
    id: 'derm-addendum-provenance',
    target: [ref('DiagnosticReport/derm-addendum'), ref('Task/derm-task/_history/1')],
    recorded: '2025-03-12T10:00:00-07:00',
    agent: [{ who: ref('PractitionerRole/derm-specialist-role') }],
  });
  const observation = (id: string) => ({
    resourceType: 'Observation' as const,
    id,
    status: 'final' as const,
    basedOn: [ref('ServiceRequest/derm-consult')],
    code: { text: 'Lesion diameter' },
    subject: ref('Patient/derm-patient'),
    valueQuantity: { value: 7, unit: 'mm', system: 'http://unitsofmeasure.org', code: 'mm' },
  });
  await put(observation('derm-lesion-size'));
  await put(observation('derm-deleted-size'));
  await put({
    resourceType: 'DocumentReference',
    id: 'derm-referral-letter',
    status: 'current',
    subject: ref('Patient/derm-patient'),
    content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Referral letter').toString('base64') } }],
  });
  const sr = (await t.request.get('/fhir/ServiceRequest/derm-consult').set(auth).expect(200)).body as Resource & { supportingInfo: unknown[] };
  await put({ ...sr, supportingInfo: [...sr.supportingInfo, ref('DocumentReference/derm-referral-letter'), ref('Observation/derm-deleted-size')] } as Resource);
  await t.request.delete('/fhir/Observation/derm-deleted-size').set(auth).expect(200);
  // Unrelated: a Provenance of the general consult.
  await put({ resourceType: 'Provenance', id: 'gen-provenance', target: [ref('DiagnosticReport/gen-report')], recorded: '2025-03-12T10:00:00-07:00', agent: [{ who: ref('PractitionerRole/gen-specialist-role') }] });
}

/**
 * `expected` with the Provenances the server records by itself (consult transitions) that target one
 * of its resources, as `auth` can search them, put in the provenance role's place in id order.
 */
async function withRecordedProvenance(t: TestApp, expected: string[], auth: Headers = {}): Promise<string[]> {
  const all = ((await t.request.get('/fhir/Provenance?_count=1000').set(auth).expect(200)).body as Bundle).entry ?? [];
  const local = (reference = '') => reference.replace(`${TEST_BASE_URL}/`, '').replace(/\/_history\/.*$/, '');
  const recorded = all
    .map((e) => e.resource as Provenance)
    .filter((p) => !expected.includes(`Provenance/${p.id}`) && p.target.some((target) => expected.includes(local(target.reference))));
  const provenance = [...expected.filter((k) => k.startsWith('Provenance/')), ...recorded.map((p) => `Provenance/${p.id}`)].sort();
  const at = expected.findIndex((k) => k.startsWith('Provenance/'));
  return [...expected.slice(0, at), ...provenance, ...expected.slice(at).filter((k) => !k.startsWith('Provenance/'))];
}

function expectOutcome(res: { status: number; body: unknown }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  expect((res.body as OperationOutcome).issue?.[0]).toMatchObject({ severity: 'error', code });
}

describe('$package, open server', () => {
  let t: TestApp;
  let bundle: Bundle;
  let expected: string[];

  beforeAll(async () => {
    // Every inline attachment goes to a Binary, so that the Media link theirs.
    t = await startTestApp({ attachmentInlineMaxBytes: 0 });
    await seed(t);
    bundle = (await t.request.get('/fhir/ServiceRequest/derm-consult/$package').expect(200)).body as Bundle;
    expected = await withRecordedProvenance(t, EXPECTED);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a collection Bundle holding exactly the consult, in role order, each resource once', () => {
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('collection');
    expect(keys(bundle)).toEqual(expected);
    expect(new Set(keys(bundle)).size).toBe(keys(bundle).length);
  });

  it('gives every entry the fullUrl on this server and the current version of its resource', async () => {
    for (const entry of bundle.entry ?? []) {
      const key = `${entry.resource?.resourceType}/${entry.resource?.id}`;
      expect(entry.fullUrl).toBe(`${TEST_BASE_URL}/${key}`);
      const current = (await t.request.get(`/fhir/${key}`).expect(200)).body as Resource;
      expect(entry.resource).toEqual(current);
    }
    expect(bundle.entry?.[0].resource?.meta?.versionId).toBe('2'); // the ServiceRequest was updated once
  });

  it('includes the intake Questionnaire of the implementation guide and the exact version a response names', () => {
    const questionnaires = (bundle.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === 'Questionnaire');
    expect(questionnaires.map((q) => [q?.id, (q as { url?: string }).url, (q as { version?: string }).version])).toEqual([
      ['follow-up-1', FOLLOW_UP, '1'],
      ['intake-dermatology', 'https://relay.example/fhir/Questionnaire/intake-dermatology', '0.1.0'],
    ]);
    expect(keys(bundle)).not.toContain('Questionnaire/follow-up-2');
  });

  it('leaves deleted resources out, also when supportingInfo still names them', () => {
    const sr = bundle.entry?.[0].resource as { supportingInfo?: { reference?: string }[] };
    expect(sr.supportingInfo?.map((s) => s.reference)).toContain('Observation/derm-deleted-size');
    expect(keys(bundle)).not.toContain('Observation/derm-deleted-size');
  });

  it("holds none of the unrelated consult's resources", () => {
    expect(keys(bundle).filter((k) => k.split('/')[1].startsWith('gen-'))).toEqual([]);
  });

  it('links Binaries instead of inlining them: Media.content.url names a Binary on this server', async () => {
    expect(keys(bundle).some((k) => k.startsWith('Binary/'))).toBe(false);
    const media = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Media => r?.resourceType === 'Media');
    expect(media).toHaveLength(2);
    for (const m of media) {
      expect(m.content.data).toBeUndefined();
      const binary = /(?:^|\/)(Binary\/[A-Za-z0-9\-.]+)$/.exec(m.content.url ?? '')?.[1];
      expect(binary).toBeDefined();
      const res = await t.request.get(`/fhir/${binary}`).buffer(true).expect(200);
      expect(Number(res.headers['content-length'])).toBe(m.content.size);
    }
  });

  it('answers POST (no body, or an empty Parameters) as GET', async () => {
    expect(keys((await t.request.post('/fhir/ServiceRequest/derm-consult/$package').expect(200)).body)).toEqual(expected);
    const withParameters = await t.request.post('/fhir/ServiceRequest/derm-consult/$package').send({ resourceType: 'Parameters' }).expect(200);
    expect(keys(withParameters.body)).toEqual(expected);
  });

  it('packages the other consult without any of the dermatology resources', async () => {
    const other = keys((await t.request.get('/fhir/ServiceRequest/gen-consult/$package').expect(200)).body);
    expect(other[0]).toBe('ServiceRequest/gen-consult');
    expect(other).toContain('Provenance/gen-provenance');
    expect(other.filter((k) => k.split('/')[1].startsWith('derm-'))).toEqual([]);
  });

  it('answers 404 for an unknown ServiceRequest and 410 for a deleted one, as read does', async () => {
    expectOutcome(await t.request.get('/fhir/ServiceRequest/no-such-consult/$package'), 404, 'not-found');
    const draft = { resourceType: 'ServiceRequest', id: 'short-lived', status: 'draft', intent: 'order', subject: ref('Patient/derm-patient') };
    await t.request.put('/fhir/ServiceRequest/short-lived').send(draft).expect(201);
    await t.request.delete('/fhir/ServiceRequest/short-lived').expect(200);
    expectOutcome(await t.request.get('/fhir/ServiceRequest/short-lived/$package'), 410, 'deleted');
  });

  it('is served on ServiceRequest instances only, as the CapabilityStatement says', async () => {
    expectOutcome(await t.request.get('/fhir/Task/derm-task/$package'), 404, 'not-supported');
    const rest = (await t.request.get('/fhir/metadata').expect(200)).body.rest[0] as { resource: { type: string; operation?: { name: string; definition: string }[] }[] };
    const offering = rest.resource.filter((r) => r.operation?.some((o) => o.name === 'package'));
    expect(offering.map((r) => [r.type, r.operation?.find((o) => o.name === 'package')?.definition])).toEqual([
      ['ServiceRequest', 'https://relay.example/fhir/OperationDefinition/package'],
    ]);
  });

  it('refuses a POST body that is not a Parameters resource', async () => {
    const res = await t.request.post('/fhir/ServiceRequest/derm-consult/$package').send({ resourceType: 'Patient' });
    expectOutcome(res, 400, 'invalid');
  });
});

describe('$package with SMART tokens', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart' });
    await seed(t, bearer(await accessToken(t, { scope: 'system/*.cruds' })));
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses another patient's token with 403, as a read of the ServiceRequest", async () => {
    const other = bearer(await accessToken(t, { scope: 'patient/*.rs', extra: { patient: 'gen-patient' } }));
    expectOutcome(await t.request.get('/fhir/ServiceRequest/derm-consult/$package').set(other), 403, 'forbidden');
    expectOutcome(await t.request.get('/fhir/ServiceRequest/derm-consult').set(other), 403, 'forbidden');
  });

  it('gives the requesting practitioner their consult, without what their consult access does not reach', async () => {
    const requester = bearer(await accessToken(t, { scope: 'user/*.rs', extra: { fhirUser: 'Practitioner/derm-requester' } }));
    const res = await t.request.get('/fhir/ServiceRequest/derm-consult/$package').set(requester).expect(200);
    // Consult access (README "Security") reaches sub-Tasks one level down, and a QuestionnaireResponse only
    // when it is basedOn the ServiceRequest or named in supportingInfo: the follow-up answers (a sub-Task's
    // output) and their Questionnaire, and the second-level sub-Task, are not theirs to read.
    const hidden = ['Task/derm-photo-request', 'QuestionnaireResponse/derm-follow-up', 'Questionnaire/follow-up-1'];
    expect(keys(res.body)).toEqual(await withRecordedProvenance(t, EXPECTED.filter((k) => !hidden.includes(k)), requester));
    for (const key of hidden.slice(0, 2)) expectOutcome(await t.request.get(`/fhir/${key}`).set(requester), 403, 'forbidden');
  });
});
