/**
 * The audit trail (issue 7; IHE BALP on R4 auditevent.html): one AuditEvent per interaction, with
 * the right action, subtype, outcome and entities, failures and denials included; AuditEvents are
 * searchable and read-only through the API.
 */
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { eventFor, storedEvents, summary, auditIdle } from './helpers/audit';

const FHIR = 'application/fhir+json';
let n = 0;
const rid = () => `audit-test-${++n}`;

describe('an AuditEvent for every interaction (open mode: the local operator)', () => {
  let t: TestApp;
  let patientId: string;
  let obsId: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('create: action C, subtype create, outcome 0, the new version and its patient as entities', async () => {
    const id = rid();
    const res = await t.request.post('/fhir/Patient').set('X-Request-Id', id).set('Content-Type', FHIR).send({ resourceType: 'Patient', name: [{ family: 'Audit' }] });
    expect(res.status).toBe(201);
    patientId = res.body.id;
    const e = await eventFor(t, id);
    expect(summary(e)).toEqual({ action: 'C', subtype: ['create'], outcome: '0', entities: [`4:Patient/${patientId}/_history/1`, `1:Patient/${patientId}`] });
    expect(e.type).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' });
    expect(e.agent?.[0]).toMatchObject({ who: { reference: 'Device/relay-operator' }, requestor: true, network: { type: '2' } });
    expect(e.agent?.[1]).toMatchObject({ requestor: false, who: { identifier: { value: 'http://relay.test/fhir' } } });
    expect(e.source?.observer?.identifier?.value).toBe('http://relay.test/fhir');
  });

  it('a write answers only once its AuditEvent is stored', async () => {
    const id = rid();
    await t.request.post('/fhir/Patient').set('X-Request-Id', id).set('Content-Type', FHIR).send({ resourceType: 'Patient' }).expect(201);
    const docs = await t.store.collection('AuditEvent').find({});
    expect(docs.filter((d) => JSON.stringify(d.resource).includes(id))).toHaveLength(1);
  });

  it('create of a resource in a patient compartment names the patient (subject)', async () => {
    const id = rid();
    const res = await t.request
      .post('/fhir/Observation')
      .set('X-Request-Id', id)
      .set('Content-Type', FHIR)
      .send({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${patientId}` } });
    obsId = res.body.id;
    expect(summary(await eventFor(t, id)).entities).toEqual([`4:Observation/${obsId}/_history/1`, `1:Patient/${patientId}`]);
  });

  it('read: action R, subtype read', async () => {
    const id = rid();
    await t.request.get(`/fhir/Observation/${obsId}`).set('X-Request-Id', id).expect(200);
    expect(summary(await eventFor(t, id))).toEqual({ action: 'R', subtype: ['read'], outcome: '0', entities: [`4:Observation/${obsId}/_history/1`, `1:Patient/${patientId}`] });
  });

  it('search: action E, subtype search-type, the query (base64) and the patient parameter', async () => {
    const id = rid();
    await t.request.get(`/fhir/Observation?patient=${patientId}&_count=5`).set('X-Request-Id', id).expect(200);
    const e = await eventFor(t, id);
    expect(summary(e)).toEqual({ action: 'E', subtype: ['search-type'], outcome: '0', entities: [`1:Patient/${patientId}`] });
    const query = e.entity?.find((x) => x.role?.code === '24');
    expect(Buffer.from(query?.query as string, 'base64').toString()).toBe(`patient=${patientId}&_count=5`);
  });

  it('update, history and delete: U, R/E and D', async () => {
    const current = (await t.request.get(`/fhir/Patient/${patientId}`)).body;
    const [u, h, ht, d] = [rid(), rid(), rid(), rid()];
    await t.request.put(`/fhir/Patient/${patientId}`).set('X-Request-Id', u).set('Content-Type', FHIR).send({ ...current, gender: 'other' }).expect(200);
    await t.request.get(`/fhir/Patient/${patientId}/_history`).set('X-Request-Id', h).expect(200);
    await t.request.get('/fhir/Patient/_history').set('X-Request-Id', ht).expect(200);
    await t.request.delete(`/fhir/Observation/${obsId}`).set('X-Request-Id', d).expect(200);
    expect(summary(await eventFor(t, u))).toEqual({ action: 'U', subtype: ['update'], outcome: '0', entities: [`4:Patient/${patientId}/_history/2`, `1:Patient/${patientId}`] });
    expect(summary(await eventFor(t, h))).toEqual({ action: 'R', subtype: ['history-instance'], outcome: '0', entities: [`4:Patient/${patientId}`, `1:Patient/${patientId}`] });
    expect(summary(await eventFor(t, ht))).toMatchObject({ action: 'E', subtype: ['history-type'], outcome: '0' });
    expect(summary(await eventFor(t, d))).toMatchObject({ action: 'D', subtype: ['delete'], outcome: '0', entities: [`4:Observation/${obsId}/_history/2`] });
  });

  it('a transaction: one event, subtype transaction, each entry written as an entity', async () => {
    const id = rid();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:7f3c2a44-0c55-4b0e-9d0a-1a2b3c4d5e6f', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:7f3c2a44-0c55-4b0e-9d0a-1a2b3c4d5e6f' } }, request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const res = await t.request.post('/fhir').set('X-Request-Id', id).set('Content-Type', FHIR).send(bundle).expect(200);
    const e = await eventFor(t, id);
    expect(summary(e)).toMatchObject({ action: 'E', subtype: ['transaction'], outcome: '0' });
    const locations = (res.body as Bundle).entry?.map((x) => x.response?.location);
    expect(summary(e).entities).toEqual(locations?.map((l) => `4:${l}`));
  });

  it('an operation: subtype operation and its name', async () => {
    const id = rid();
    await t.request.post('/fhir/Patient/$validate').set('X-Request-Id', id).set('Content-Type', FHIR).send({ resourceType: 'Patient' });
    expect(summary(await eventFor(t, id))).toMatchObject({ action: 'E', subtype: ['operation', '$validate'], outcome: '0' });
  });

  it('a 404: outcome 4 (minor failure) with the OperationOutcome text', async () => {
    const id = rid();
    await t.request.get('/fhir/Patient/does-not-exist').set('X-Request-Id', id).expect(404);
    const e = await eventFor(t, id);
    expect(summary(e)).toMatchObject({ action: 'R', subtype: ['read'], outcome: '4', entities: ['4:Patient/does-not-exist', '1:Patient/does-not-exist'] });
    expect(e.outcomeDesc).toMatch(/^404 Patient\/does-not-exist is not known/);
  });

  it('a server failure (500): outcome 8 (serious failure)', async () => {
    const store = t.store as unknown as { collection: (name: string) => unknown };
    const original = store.collection;
    store.collection = (name: string) => (name === 'Encounter' ? { findOne: () => Promise.reject(new Error('disk on fire')) } : original.call(t.store, name));
    try {
      await t.request.get('/fhir/Encounter/e1').set('X-Request-Id', 'fails-500').expect(500);
    } finally {
      store.collection = original;
    }
    const e = await eventFor(t, 'fails-500');
    expect(summary(e)).toMatchObject({ action: 'R', subtype: ['read'], outcome: '8', entities: ['4:Encounter/e1'] });
    expect(e.outcomeDesc).toMatch(/^500 internal error/);
  });

  it('a request no interaction serves (404 no route, 400 bad body) is recorded too', async () => {
    const [a, b] = [rid(), rid()];
    await t.request.get('/fhir/Patient/1/nonsense').set('X-Request-Id', a).expect(404);
    await t.request.post('/fhir/Patient').set('X-Request-Id', b).set('Content-Type', FHIR).send('{not json').expect(400);
    expect((await eventFor(t, a)).outcome).toBe('4');
    expect(summary(await eventFor(t, b))).toMatchObject({ action: 'C', subtype: ['create'], outcome: '4' });
  });

  it('clients cannot create, update or delete AuditEvents (403), not even in a transaction', async () => {
    const existing = (await storedEvents(t))[0];
    const event: AuditEvent = { resourceType: 'AuditEvent', type: { code: 'rest' }, recorded: new Date().toISOString(), agent: [{ requestor: true }], source: { observer: { display: 'x' } } };
    const id = rid();
    const created = await t.request.post('/fhir/AuditEvent').set('X-Request-Id', id).set('Content-Type', FHIR).send(event);
    expect(created.status).toBe(403);
    expect(created.body.issue[0].code).toBe('forbidden');
    expect((await t.request.put(`/fhir/AuditEvent/${existing.id}`).set('Content-Type', FHIR).send({ ...existing, outcome: '0' })).status).toBe(403);
    expect((await t.request.delete(`/fhir/AuditEvent/${existing.id}`)).status).toBe(403);
    expect((await t.request.delete('/fhir/AuditEvent?outcome=4')).status).toBe(403);
    const tx = await t.request
      .post('/fhir')
      .set('Content-Type', FHIR)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: event, request: { method: 'POST', url: 'AuditEvent' } }] });
    expect(tx.status).toBe(403);
    expect(summary(await eventFor(t, id))).toMatchObject({ action: 'C', subtype: ['create'], outcome: '4' });
    expect((await t.request.get(`/fhir/AuditEvent/${existing.id}`)).body).toEqual(existing);
  });

  it('AuditEvents are searchable: date, patient, entity, agent, outcome, subtype, action', async () => {
    await auditIdle(t);
    const total = async (q: string) => (await t.request.get(`/fhir/AuditEvent?${q}&_summary=count`).expect(200)).body.total as number;
    const all = (await storedEvents(t)).length;
    expect(all).toBeGreaterThan(10);
    // Each search below is recorded too (its event may be stored before the next one counts).
    expect(await total('date=ge2000-01-01')).toBeGreaterThanOrEqual(all);
    expect(await total('date=lt2000-01-01')).toBe(0);
    expect(await total(`patient=Patient/${patientId}`)).toBeGreaterThanOrEqual(5);
    expect(await total(`entity=Observation/${obsId}`)).toBeGreaterThanOrEqual(1);
    expect(await total('agent=Device/relay-operator')).toBeGreaterThanOrEqual(all);
    expect(await total('agent=Device/someone-else')).toBe(0);
    expect(await total('outcome=4')).toBeGreaterThanOrEqual(5);
    expect(await total('subtype=http://hl7.org/fhir/restful-interaction|create')).toBeGreaterThanOrEqual(4);
    expect(await total('subtype=create')).toBe(await total('subtype=http://hl7.org/fhir/restful-interaction|create'));
    expect(await total('action=D&outcome=0')).toBe(1);
    expect(await total('action=D&outcome=4')).toBe(2);
    const page = (await t.request.get('/fhir/AuditEvent?outcome=4&_count=100').expect(200)).body as Bundle;
    expect(page.entry?.every((x) => (x.resource as AuditEvent).outcome === '4')).toBe(true);
  });

  it('records valid R4 AuditEvents ($validate finds no error in any of them)', async () => {
    for (const event of (await storedEvents(t)).slice(0, 30)) {
      const res = await t.request.post('/fhir/AuditEvent/$validate').set('Content-Type', FHIR).send(event).expect(200);
      expect(res.body.issue.filter((i: { severity: string }) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
    }
  });

  it('keeps AuditEvents out of system-level history and search, but finds them with _type', async () => {
    await auditIdle(t);
    const history = (await t.request.get('/fhir/_history?_count=1000').expect(200)).body as Bundle;
    expect(history.entry?.some((x) => x.resource?.resourceType === 'AuditEvent')).toBe(false);
    const typed = (await t.request.get('/fhir?_type=AuditEvent&_summary=count').expect(200)).body as Bundle;
    expect(typed.total).toBeGreaterThan(0);
  });
});
