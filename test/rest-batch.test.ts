import type { Bundle, BundleEntry, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const SYSTEM = 'urn:relay:test:batch';
const BASE = 'http://relay.test/fhir';

const patient = (value: string, family = 'Okafor'): Patient => ({ resourceType: 'Patient', identifier: [{ system: SYSTEM, value }], name: [{ family }] });
const batch = (entry: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'batch', entry });
const byIdentifier = (value: string) => `identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`;
const statuses = (res: { body: Bundle }) => (res.body.entry ?? []).map((e) => e.response?.status);
const expressions = (outcome: OperationOutcome | undefined) => (outcome?.issue ?? []).flatMap((i) => i.expression ?? []);

describe('batch Bundles (POST [base])', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (bundle: unknown, path = '/fhir') => t.request.post(path).set('Content-Type', FHIR).send(bundle as object);
  const count = async (value: string): Promise<number> => (await t.request.get(`/fhir/Patient?${byIdentifier(value)}`)).body.total;

  it('processes every entry on its own: an invalid entry gets its 400 and OperationOutcome, the others are stored, and the batch answers 200', async () => {
    const res = await post(
      batch([
        { resource: patient('ok-1'), request: { method: 'POST', url: 'Patient' } },
        { resource: { ...patient('bad'), gender: 'F' } as unknown as Patient, request: { method: 'POST', url: 'Patient' } },
        { resource: patient('ok-2'), request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    expect({ status: res.status, type: res.body.type }).toEqual({ status: 200, type: 'batch-response' });
    expect(statuses(res)).toEqual(['201 Created', '400 Bad Request', '201 Created']);
    const failed = res.body.entry[1] as BundleEntry;
    expect(failed.resource).toBeUndefined();
    expect(failed.response?.outcome?.resourceType).toBe('OperationOutcome');
    expect(expressions(failed.response?.outcome as OperationOutcome)).toEqual(['Bundle.entry[1].resource.gender']);
    expect([await count('ok-1'), await count('bad'), await count('ok-2')]).toEqual([1, 0, 1]);
  });

  it('answers in request order with each interaction\'s own status, Location, ETag and body, running DELETEs before GETs, also at [base]/', async () => {
    const existing = (await post(patient('read-me'), '/fhir/Patient')).body as Patient;
    const doomed = (await post(patient('doomed'), '/fhir/Patient')).body as Patient;
    const res = await post(
      batch([
        { request: { method: 'GET', url: `Patient/${existing.id}` } },
        { request: { method: 'GET', url: `Patient/${doomed.id}` } },
        { resource: { ...patient('put'), id: 'batch-put' }, request: { method: 'PUT', url: 'Patient/batch-put' } },
        { request: { method: 'DELETE', url: `${BASE}/Patient/${doomed.id}` } },
        { request: { method: 'HEAD', url: 'Patient/batch-put' } },
        { request: { method: 'GET', url: `Patient?${byIdentifier('put')}` } },
      ]),
      '/fhir/',
    );
    expect(statuses(res)).toEqual(['200 OK', '410 Gone', '201 Created', '200 OK', '200 OK', '200 OK']);
    const [read, gone, put, deleted, head, search] = res.body.entry as BundleEntry[];
    expect(read.resource).toMatchObject({ resourceType: 'Patient', id: existing.id });
    expect(read.response).toMatchObject({ etag: 'W/"1"', lastModified: existing.meta?.lastUpdated });
    expect(expressions(gone.response?.outcome as OperationOutcome)).toEqual(['Bundle.entry[1].request.url']);
    expect(put.response).toMatchObject({ location: `${BASE}/Patient/batch-put/_history/1`, etag: 'W/"1"' });
    expect(put.fullUrl).toBe(`${BASE}/Patient/batch-put`);
    expect(deleted.response?.outcome?.issue?.[0].diagnostics).toMatch(/^deleted Patient\//);
    expect(deleted.response?.etag).toBe('W/"2"');
    expect(head.resource).toBeUndefined();
    expect(head.response?.etag).toBe('W/"1"');
    expect((search.resource as Bundle).total).toBe(1);
  });

  it('answers an entry that cannot be read with 400 at the offending element, without failing the others', async () => {
    const res = await post(
      batch([
        { request: { method: 'POST' } } as BundleEntry,
        { request: { method: 'TRACE', url: 'Patient' } } as unknown as BundleEntry,
        { fullUrl: 'urn:uuid:x', request: { method: 'POST', url: 'Patient' } },
        { resource: patient('still-stored'), request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    expect(statuses(res)).toEqual(['400 Bad Request', '400 Bad Request', '400 Bad Request', '201 Created']);
    expect(res.body.entry.slice(0, 3).map((e: BundleEntry) => expressions(e.response?.outcome as OperationOutcome))).toEqual([
      ['Bundle.entry[0].request.url'],
      ['Bundle.entry[1].request.method'],
      ['Bundle.entry[2].resource'],
    ]);
  });

  it.each(['batch', 'transaction'])('answers malformed %s entries with 4xx OperationOutcomes, never a server error', async (type) => {
    const odd: unknown[] = [
      'x',
      null,
      [],
      { request: [] },
      { request: { method: 'post', url: 'Patient' } },
      { request: { method: 'GET', url: 5 } },
      { request: { method: 'GET', url: 'Patient/%E0%A4%A' } },
      { request: { method: 'PUT', url: 'Patient/x' }, resource: 7 },
      { request: { method: 'PUT', url: 'Patient?' }, resource: patient('odd') },
      { request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifer=x' }, resource: patient('odd') },
      { request: { method: 'PATCH', url: 'Patient/x' }, resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: 'e30=' } },
      { request: { method: 'DELETE', url: 'Patient?_count=1' } },
      { request: { method: 'GET', url: 'Patient?birthdate=not-a-date' } },
      { fullUrl: 5, request: { method: 'GET', url: 'metadata' } },
    ];
    for (const [i, entry] of odd.entries()) {
      const res = await post({ resourceType: 'Bundle', type, entry: [entry] });
      const outcome: OperationOutcome | undefined = type === 'batch' ? res.body.entry?.[0].response?.outcome : res.body;
      const status = type === 'batch' ? Number(res.body.entry?.[0].response?.status.slice(0, 3)) : res.status;
      expect({ i, status: status >= 400 && status < 500, resourceType: outcome?.resourceType }).toEqual({ i, status: true, resourceType: 'OperationOutcome' });
      expect(expressions(outcome)[0]).toMatch(/^Bundle\.entry\[0\]/);
    }
    expect(await count('odd')).toBe(0);
  });

  it('runs conditional entries (ifNoneExist, conditional update and delete, ifMatch) with their usual answers', async () => {
    const res = await post(
      batch([
        { resource: patient('cond'), request: { method: 'POST', url: 'Patient', ifNoneExist: byIdentifier('cond') } },
        { resource: patient('cond-upd'), request: { method: 'PUT', url: `Patient?${byIdentifier('cond-upd')}` } },
      ]),
    );
    expect(statuses(res)).toEqual(['201 Created', '201 Created']);
    const id = (res.body.entry[1].resource as Patient).id;
    const again = await post(
      batch([
        { resource: patient('cond'), request: { method: 'POST', url: 'Patient', ifNoneExist: byIdentifier('cond') } },
        { resource: { ...patient('cond-upd', 'Stale'), id }, request: { method: 'PUT', url: `Patient/${id}`, ifMatch: 'W/"7"' } },
        { request: { method: 'DELETE', url: `Patient?${byIdentifier('cond-upd')}` } },
      ]),
    );
    // DELETE runs first, so the PUT then finds version 2 (the deletion), not 7.
    expect(statuses(again)).toEqual(['200 OK', '412 Precondition Failed', '200 OK']);
    expect(again.body.entry[0].response.location).toBe(`${BASE}/Patient/${(res.body.entry[0].resource as Patient).id}/_history/1`);
    expect(expressions(again.body.entry[1].response.outcome)).toEqual(['Bundle.entry[1].request.ifMatch']);
    expect(await count('cond')).toBe(1);
    expect(await count('cond-upd')).toBe(0);
  });

  it('applies a PATCH entry whose Binary holds a JSON Patch, and answers one whose Binary is not JSON with 400 at its data', async () => {
    const target = (await post(patient('patch-me'), '/fhir/Patient')).body as Patient;
    const data = Buffer.from(JSON.stringify([{ op: 'add', path: '/active', value: true }])).toString('base64');
    const res = await post(
      batch([
        { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data }, request: { method: 'PATCH', url: `Patient/${target.id}`, ifMatch: 'W/"1"' } },
        { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: 'bm90IGpzb24=' }, request: { method: 'PATCH', url: `Patient/${target.id}` } },
      ]),
    );
    expect(statuses(res)).toEqual(['200 OK', '400 Bad Request']);
    expect(res.body.entry[0].resource).toMatchObject({ id: target.id, active: true, meta: { versionId: '2' } });
    expect(expressions(res.body.entry[1].response.outcome)).toEqual(['Bundle.entry[1].resource.data']);
  });

  it('refuses an entry with a urn:uuid reference (R4 resolves them only in a transaction) and stores the others', async () => {
    const res = await post(
      batch([
        { fullUrl: 'urn:uuid:5b0c1f57-33a4-4c44-9d0a-2f0e3c9e7a11', resource: patient('urn-a'), request: { method: 'POST', url: 'Patient' } },
        { resource: { ...patient('urn-b'), link: [{ other: { reference: 'urn:uuid:5b0c1f57-33a4-4c44-9d0a-2f0e3c9e7a11' }, type: 'seealso' }] }, request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    expect(statuses(res)).toEqual(['201 Created', '400 Bad Request']);
    expect(expressions(res.body.entry[1].response.outcome)).toEqual(['Bundle.entry[1].resource.link[0].other.reference']);
    expect(res.body.entry[1].response.outcome.issue[0].diagnostics).toContain('send a Bundle of type transaction');
    expect(await count('urn-b')).toBe(0);
  });
});
