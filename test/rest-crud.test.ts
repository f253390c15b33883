import type { Patient } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const patient = (family = 'Okafor'): Patient => ({ resourceType: 'Patient', name: [{ family, given: ['Ada'] }], gender: 'female', birthDate: '1984-02-29' });

describe('create, read, vread, update and delete', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates with a server-assigned id and answers 201 with Location, ETag and Last-Modified', async () => {
    const res = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send({ ...patient(), id: 'client-chosen' });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.id).not.toBe('client-chosen');
    expect(res.body.meta.versionId).toBe('1');
    expect(new Date(res.body.meta.lastUpdated).toISOString()).toBe(res.body.meta.lastUpdated);
    expect(res.headers.location).toBe(`http://relay.test/fhir/Patient/${res.body.id}/_history/1`);
    expect(res.headers.etag).toBe('W/"1"');
    expect(new Date(res.headers['last-modified']).getTime()).toBe(Math.floor(Date.parse(res.body.meta.lastUpdated) / 1000) * 1000);
  });

  it('accepts application/json bodies and _format=json, and answers in the requested JSON type', async () => {
    const res = await t.request.post('/fhir/Patient?_format=json').set('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify(patient()));
    expect(res.status).toBe(201);
    const read = await t.request.get(`/fhir/Patient/${res.body.id}`).set('Accept', 'application/json');
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toMatch(/^application\/json/);
  });

  it('tolerates a trailing slash after the base and after the type', async () => {
    expect((await t.request.get('/fhir/metadata/')).status).toBe(200);
    const res = await t.request.post('/fhir/Patient/').set('Content-Type', FHIR).send(patient());
    expect(res.status).toBe(201);
  });

  it('keeps client meta (profile, tag, source) but owns versionId and lastUpdated', async () => {
    const body = { ...patient(), meta: { versionId: '99', lastUpdated: '2001-01-01T00:00:00Z', source: 'urn:clinic:a', tag: [{ system: 'urn:t', code: 'x' }] } };
    const res = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(body);
    expect(res.status).toBe(201);
    expect(res.body.meta).toEqual({ versionId: '1', lastUpdated: expect.any(String), source: 'urn:clinic:a', tag: [{ system: 'urn:t', code: 'x' }] });
    expect(res.body.meta.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
  });

  it('updates to a new version, and vread returns each version', async () => {
    const created = (await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient('One'))).body;
    const updated = await t.request.put(`/fhir/Patient/${created.id}`).set('Content-Type', FHIR).send({ ...created, name: [{ family: 'Two' }] });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    expect(updated.headers.etag).toBe('W/"2"');
    expect(updated.headers.location).toBeUndefined();
    const v1 = await t.request.get(`/fhir/Patient/${created.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.name[0].family).toBe('One');
    const v2 = await t.request.get(`/fhir/Patient/${created.id}/_history/2`);
    expect(v2.body.name[0].family).toBe('Two');
    expect((await t.request.get(`/fhir/Patient/${created.id}/_history/3`)).status).toBe(404);
    expect((await t.request.get(`/fhir/Patient/${created.id}`)).body.name[0].family).toBe('Two');
  });

  it('creates on PUT with a client-chosen id (update-as-create): 201 with Location', async () => {
    const res = await t.request.put('/fhir/Patient/chosen-by-client').set('Content-Type', FHIR).send({ ...patient(), id: 'chosen-by-client' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('http://relay.test/fhir/Patient/chosen-by-client/_history/1');
    expect((await t.request.get('/fhir/Patient/chosen-by-client')).body.id).toBe('chosen-by-client');
  });

  it('makes no new version when an update changes nothing', async () => {
    const created = (await t.request.put('/fhir/Patient/same-content').set('Content-Type', FHIR).send({ ...patient(), id: 'same-content' })).body;
    const again = await t.request.put('/fhir/Patient/same-content').set('Content-Type', FHIR).send({ ...patient(), id: 'same-content' });
    expect(again.status).toBe(200);
    expect(again.body.meta).toEqual(created.meta);
    expect((await t.request.get('/fhir/Patient/same-content/_history')).body.total).toBe(1);
  });

  it('honours If-Match: the current version updates, a stale one gets 412 and changes nothing', async () => {
    const created = (await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient('Match'))).body;
    const ok = await t.request.put(`/fhir/Patient/${created.id}`).set('Content-Type', FHIR).set('If-Match', 'W/"1"').send({ ...created, gender: 'other' });
    expect(ok.status).toBe(200);
    const stale = await t.request.put(`/fhir/Patient/${created.id}`).set('Content-Type', FHIR).set('If-Match', 'W/"1"').send({ ...created, gender: 'male' });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    expect(stale.body.issue[0].diagnostics).toMatch(/version 1.*version 2/);
    expect((await t.request.get(`/fhir/Patient/${created.id}`)).body.gender).toBe('other');
  });

  it('deletes: a later read answers 410 Gone, history keeps the deletion, and PUT re-creates', async () => {
    const created = (await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient('Gone'))).body;
    const del = await t.request.delete(`/fhir/Patient/${created.id}`);
    expect(del.status).toBe(200);
    expect(del.body.resourceType).toBe('OperationOutcome');
    expect(del.headers.etag).toBe('W/"2"');
    const read = await t.request.get(`/fhir/Patient/${created.id}`);
    expect(read.status).toBe(410);
    expect(read.body.issue[0].code).toBe('deleted');
    expect((await t.request.get(`/fhir/Patient/${created.id}/_history/2`)).status).toBe(410);
    expect((await t.request.get(`/fhir/Patient/${created.id}/_history/1`)).status).toBe(200);
    const again = await t.request.delete(`/fhir/Patient/${created.id}`);
    expect(again.status).toBe(200);
    expect(again.body.issue[0].diagnostics).toMatch(/nothing changed/);
    const recreated = await t.request.put(`/fhir/Patient/${created.id}`).set('Content-Type', FHIR).send(created);
    expect(recreated.status).toBe(201);
    expect(recreated.body.meta.versionId).toBe('3');
  });

  it('answers 404 for an id that never existed, on read, vread and history', async () => {
    expect((await t.request.get('/fhir/Patient/never')).status).toBe(404);
    expect((await t.request.get('/fhir/Patient/never/_history/1')).status).toBe(404);
    const history = await t.request.get('/fhir/Patient/never/_history');
    expect(history.status).toBe(200);
    expect(history.body.total).toBe(0);
  });

  it('supports Prefer: return=minimal, return=representation and return=OperationOutcome', async () => {
    const minimal = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).set('Prefer', 'return=minimal').send(patient());
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.location).toMatch(/\/Patient\/.+\/_history\/1$/);
    const oo = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).set('Prefer', 'return=OperationOutcome').send(patient());
    expect(oo.status).toBe(201);
    expect(oo.body.resourceType).toBe('OperationOutcome');
    expect(oo.body.issue[0].severity).toBe('information');
    const full = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).set('Prefer', 'return=representation').send(patient());
    expect(full.body.resourceType).toBe('Patient');
  });

  it('answers conditional reads with 304 for a matching If-None-Match or If-Modified-Since', async () => {
    const created = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient());
    const tag = await t.request.get(`/fhir/Patient/${created.body.id}`).set('If-None-Match', 'W/"1"');
    expect(tag.status).toBe(304);
    expect(tag.headers.etag).toBe('W/"1"');
    const other = await t.request.get(`/fhir/Patient/${created.body.id}`).set('If-None-Match', 'W/"7"');
    expect(other.status).toBe(200);
    const since = await t.request.get(`/fhir/Patient/${created.body.id}`).set('If-Modified-Since', created.headers['last-modified']);
    expect(since.status).toBe(304);
    const before = await t.request.get(`/fhir/Patient/${created.body.id}`).set('If-Modified-Since', 'Sat, 01 Jan 2000 00:00:00 GMT');
    expect(before.status).toBe(200);
  });

  it('answers HEAD on a read with headers and no body', async () => {
    const created = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient());
    const head = await t.request.head(`/fhir/Patient/${created.body.id}`);
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe('W/"1"');
    expect(head.text ?? '').toBe('');
  });

  it('accepts every R4 resource type, including Binary and Parameters', async () => {
    const binary = await t.request.post('/fhir/Binary').set('Content-Type', FHIR).send({ resourceType: 'Binary', contentType: 'text/plain', data: 'aGVsbG8=' });
    expect(binary.status).toBe(201);
    const media = await t.request
      .post('/fhir/Media')
      .set('Content-Type', FHIR)
      .send({ resourceType: 'Media', status: 'completed', content: { contentType: 'image/jpeg', url: `Binary/${binary.body.id}` } });
    expect(media.status).toBe(201);
  });
});
