/**
 * patient/ scopes see only their patient's compartment (SMART App Launch 2.x
 * scopes-and-launch-context.html, patient-specific scopes; R4 compartmentdefinition-patient.html):
 * patient A reaching patient B through every path answers 403 (OperationOutcome code forbidden,
 * without B's content) for a named resource, and leaves B's resources out of searches, includes and
 * history. Patient A's own data stays reachable. Binary only through a resource A may see.
 */
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer } from './helpers/auth';

let t: TestApp;
let admin: Record<string, string>;
let asA: Record<string, string>;
const ids: Record<string, string> = {};

const obs = (patient: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${patient}` }, ...extra });
const text64 = (s: string) => Buffer.from(s).toString('base64');

async function create(resource: Record<string, unknown>): Promise<string> {
  const res = await t.request.post(`/fhir/${resource.resourceType as string}`).set(admin).send(resource);
  if (res.status !== 201) throw new Error(`seed ${resource.resourceType as string}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** 403 with an OperationOutcome coded forbidden that reveals nothing of patient B. */
function expectForbidden(res: { status: number; body: unknown; text: string }): void {
  expect(res.status).toBe(403);
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue?.[0]).toMatchObject({ severity: 'error', code: 'forbidden' });
  expect(res.text).not.toMatch(/Bravo|secret-b/);
}

const entryIds = (bundle: Bundle) => (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`).sort();
const idsOf = (...keys: string[]) => keys.map((k) => ids[k]);

beforeAll(async () => {
  t = await startTestApp({ auth: 'smart' });
  admin = bearer(await accessToken(t, { scope: 'system/*.cruds' }));
  ids.A = await create({ resourceType: 'Patient', name: [{ family: 'Alpha' }] });
  ids.B = await create({ resourceType: 'Patient', name: [{ family: 'Bravo' }] });
  ids.oA = await create(obs(ids.A));
  ids.oB = await create(obs(ids.B, { note: [{ text: 'secret-b' }] }));
  // In A's compartment (subject) but naming B as performer: _include of the performer must not bring B in.
  ids.oAB = await create(obs(ids.A, { performer: [{ reference: `Patient/${ids.B}` }] }));
  ids.bA = await create({ resourceType: 'Binary', contentType: 'text/plain', data: text64('photo of A') });
  ids.bB = await create({ resourceType: 'Binary', contentType: 'text/plain', data: text64('secret-b photo') });
  ids.bLoose = await create({ resourceType: 'Binary', contentType: 'text/plain', data: text64('unlinked') });
  ids.mA = await create({ resourceType: 'Media', status: 'completed', subject: { reference: `Patient/${ids.A}` }, content: { contentType: 'text/plain', url: `Binary/${ids.bA}` } });
  ids.mB = await create({ resourceType: 'Media', status: 'completed', subject: { reference: `Patient/${ids.B}` }, content: { contentType: 'text/plain', url: `Binary/${ids.bB}` } });
  ids.q = await create({ resourceType: 'Questionnaire', status: 'active', name: 'intake' });
  asA = bearer(await accessToken(t, { scope: 'patient/*.cruds', extra: { patient: `Patient/${ids.A}` } }));
});

afterAll(async () => {
  await t?.close();
});

describe('patient A reaching patient B', () => {
  it('read of B, and of B’s Observation: 403', async () => {
    expectForbidden(await t.request.get(`/fhir/Patient/${ids.B}`).set(asA));
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oB}`).set(asA));
  });

  it('vread of B’s Observation: 403', async () => {
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oB}/_history/1`).set(asA));
  });

  it('search: B’s resources are left out (filter, not error), total counts only A’s', async () => {
    const patients = (await t.request.get('/fhir/Patient').set(asA).expect(200)).body as Bundle;
    expect(entryIds(patients)).toEqual([`Patient/${ids.A}`]);
    expect(patients.total).toBe(1);
    const observations = (await t.request.get('/fhir/Observation?_count=1').set(asA).expect(200)).body as Bundle;
    expect(observations.total).toBe(2);
    const all = (await t.request.get('/fhir/Observation').set(asA).expect(200)).body as Bundle;
    expect(entryIds(all)).toEqual(idsOf('oA', 'oAB').map((id) => `Observation/${id}`).sort());
    expect(((await t.request.get(`/fhir/Observation?_id=${ids.oB}`).set(asA).expect(200)).body as Bundle).entry ?? []).toEqual([]);
  });

  it('paging over a compartment stays correct (every page full, no repeats)', async () => {
    const first = (await t.request.get('/fhir/Observation?_count=1').set(asA).expect(200)).body as Bundle;
    const next = first.link?.find((l) => l.relation === 'next')?.url as string;
    const second = (await t.request.get(next.replace('http://relay.test', '')).set(asA).expect(200)).body as Bundle;
    expect([...entryIds(first), ...entryIds(second)].sort()).toEqual(idsOf('oA', 'oAB').map((id) => `Observation/${id}`).sort());
    expect(second.link?.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('_include of a reference to B leaves B out', async () => {
    const res = (await t.request.get(`/fhir/Observation?_id=${ids.oAB}&_include=Observation:performer&_include=Observation:subject`).set(asA).expect(200)).body as Bundle;
    expect(entryIds(res)).toEqual([`Observation/${ids.oAB}`, `Patient/${ids.A}`].sort());
  });

  it('_revinclude brings in only A’s resources', async () => {
    const res = (await t.request.get('/fhir/Patient?_revinclude=Observation:subject&_revinclude=Observation:performer').set(asA).expect(200)).body as Bundle;
    expect(entryIds(res)).toEqual([`Patient/${ids.A}`, ...idsOf('oA', 'oAB').map((id) => `Observation/${id}`)].sort());
  });

  it('chained search on B’s name finds nothing; on A’s finds A’s', async () => {
    expect(((await t.request.get('/fhir/Observation?subject:Patient.name=Bravo').set(asA).expect(200)).body as Bundle).entry ?? []).toEqual([]);
    expect(((await t.request.get('/fhir/Observation?subject:Patient.name=Alpha').set(asA).expect(200)).body as Bundle).total).toBe(2);
  });

  it('history: instance of B’s Observation 403; type and system history without B', async () => {
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oB}/_history`).set(asA));
    const type = (await t.request.get('/fhir/Observation/_history').set(asA).expect(200)).body as Bundle;
    expect(entryIds(type)).toEqual(idsOf('oA', 'oAB').map((id) => `Observation/${id}`).sort());
    expect(type.total).toBe(2);
    const system = (await t.request.get('/fhir/_history?_count=500').set(asA).expect(200)).body as Bundle;
    const seen = entryIds(system);
    expect(seen).toEqual(expect.arrayContaining([`Patient/${ids.A}`, `Observation/${ids.oA}`, `Media/${ids.mA}`]));
    for (const hidden of [`Patient/${ids.B}`, `Observation/${ids.oB}`, `Media/${ids.mB}`, `Binary/${ids.bB}`]) expect(seen).not.toContain(hidden);
  });

  it('a transaction entry creating an Observation for B: 403, nothing written', async () => {
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [
      { request: { method: 'POST', url: 'Observation' }, resource: obs(ids.A, { note: [{ text: 'tx-marker' }] }) },
      { request: { method: 'POST', url: 'Observation' }, resource: obs(ids.B) },
    ] };
    const count = async () => ((await t.request.get('/fhir/Observation?_summary=count').set(admin).expect(200)).body as Bundle).total;
    const before = await count();
    expectForbidden(await t.request.post('/fhir').set(asA).send(bundle));
    expect(await count()).toBe(before);
  });

  it('batch entries reading or updating B’s data answer 403 each; A’s entry succeeds', async () => {
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'GET', url: `Observation/${ids.oB}` } },
      { request: { method: 'PUT', url: `Observation/${ids.oB}` }, resource: { ...obs(ids.B), id: ids.oB } },
      { request: { method: 'GET', url: `Observation/${ids.oA}` } },
    ] };
    const res = (await t.request.post('/fhir').set(asA).send(bundle).expect(200)).body as Bundle;
    const [read, update, own] = res.entry ?? [];
    for (const denied of [read, update]) {
      expect(denied.response?.status).toMatch(/^403/);
      expect((denied.response?.outcome as OperationOutcome).issue?.[0].code).toBe('forbidden');
    }
    expect(own.response?.status).toMatch(/^200/);
    expect(JSON.stringify(res)).not.toMatch(/secret-b/);
  });

  it('$validate on B’s Observation: 403', async () => {
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oB}/$validate`).set(asA));
  });

  it('writes into B’s compartment: create, update, delete, patch of B’s Patient: 403', async () => {
    expectForbidden(await t.request.post('/fhir/Observation').set(asA).send(obs(ids.B)));
    expectForbidden(await t.request.post('/fhir/Observation').set(asA).send(obs(ids.A, { performer: [{ reference: `Patient/${ids.B}` }] })));
    expectForbidden(await t.request.put(`/fhir/Observation/${ids.oB}`).set(asA).send({ ...obs(ids.A), id: ids.oB }));
    expectForbidden(await t.request.delete(`/fhir/Observation/${ids.oB}`).set(asA));
    expectForbidden(await t.request.patch(`/fhir/Patient/${ids.B}`).set(asA).set('Content-Type', 'application/json-patch+json').send(JSON.stringify([{ op: 'add', path: '/active', value: true }])));
    expect((await t.request.get(`/fhir/Observation/${ids.oB}`).set(admin).expect(200)).body.meta.versionId).toBe('1');
  });

  it('Binary: B’s (linked from B’s Media) and an unlinked one 403; A’s (linked from A’s Media) readable', async () => {
    expectForbidden(await t.request.get(`/fhir/Binary/${ids.bB}`).set(asA).set('Accept', 'application/fhir+json'));
    expectForbidden(await t.request.get(`/fhir/Binary/${ids.bLoose}`).set(asA).set('Accept', 'application/fhir+json'));
    const own = await t.request.get(`/fhir/Binary/${ids.bA}`).set(asA).set('Accept', 'application/fhir+json').expect(200);
    expect(own.body).toMatchObject({ resourceType: 'Binary', id: ids.bA });
    expect(((await t.request.get('/fhir/Binary').set(asA).expect(200)).body as Bundle).entry ?? []).toEqual([]);
  });

  it('a patient/ token without a patient claim sees no patient data', async () => {
    const none = bearer(await accessToken(t, { scope: 'patient/*.rs' }));
    expectForbidden(await t.request.get(`/fhir/Patient/${ids.A}`).set(none));
    expect(((await t.request.get('/fhir/Observation').set(none).expect(200)).body as Bundle).entry ?? []).toEqual([]);
  });
});

describe('patient A’s own data', () => {
  it('reads, vreads, searches and histories of A’s resources all answer', async () => {
    await t.request.get(`/fhir/Patient/${ids.A}`).set(asA).expect(200);
    await t.request.get(`/fhir/Observation/${ids.oA}/_history/1`).set(asA).expect(200);
    await t.request.get(`/fhir/Observation/${ids.oA}/_history`).set(asA).expect(200);
    await t.request.get(`/fhir/Media/${ids.mA}`).set(asA).expect(200);
    await t.request.get(`/fhir/Observation/${ids.oA}/$validate`).set(asA).expect(200);
    const media = (await t.request.get('/fhir/Media').set(asA).expect(200)).body as Bundle;
    expect(entryIds(media)).toEqual([`Media/${ids.mA}`]);
  });

  it('shared definitional types (Questionnaire) are readable, not writable', async () => {
    await t.request.get(`/fhir/Questionnaire/${ids.q}`).set(asA).expect(200);
    expectForbidden(await t.request.post('/fhir/Questionnaire').set(asA).send({ resourceType: 'Questionnaire', status: 'draft' }));
  });

  it('creates, updates and deletes in A’s compartment; a Binary upload then a Media linking it', async () => {
    const created = (await t.request.post('/fhir/Observation').set(asA).send(obs(ids.A)).expect(201)).body as Resource;
    await t.request.put(`/fhir/Observation/${created.id}`).set(asA).send({ ...obs(ids.A, { status: 'amended' }), id: created.id }).expect(200);
    await t.request.delete(`/fhir/Observation/${created.id}`).set(asA).expect(200);
    const binary = (await t.request.post('/fhir/Binary').set(asA).send({ resourceType: 'Binary', contentType: 'text/plain', data: text64('my photo') }).expect(201)).body as Resource;
    expectForbidden(await t.request.get(`/fhir/Binary/${binary.id}`).set(asA).set('Accept', 'application/fhir+json'));
    await t.request.post('/fhir/Media').set(asA).send({ resourceType: 'Media', status: 'completed', subject: { reference: `Patient/${ids.A}` }, content: { contentType: 'text/plain', url: `Binary/${binary.id}` } }).expect(201);
    await t.request.get(`/fhir/Binary/${binary.id}`).set(asA).set('Accept', 'application/fhir+json').expect(200);
    // The Patient resource itself: A may update A, not create another Patient.
    expectForbidden(await t.request.post('/fhir/Patient').set(asA).send({ resourceType: 'Patient', name: [{ family: 'Other' }] }));
  });
});
