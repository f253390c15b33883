/**
 * The resources of a transaction-response or batch-response are read back from the store as the
 * response is sent, not held from the writes (rest/bundle/response.ts): each must be exactly the
 * version its write stored, byte for byte what a vread of that version answers, under every
 * `Prefer: return`, whether the response is sent whole, pretty-printed or streamed.
 */
import type { Binary, Bundle, BundleEntry, Observation, Patient } from '@medplum/fhirtypes';
import { startTestApp, TEST_BASE_URL as BASE, type TestApp } from './helpers/test-app';
import { accessToken } from './helpers/auth';
import { entryStatus } from './helpers/bundle-response';

const FHIR = 'application/fhir+json';
const SYSTEM = 'urn:relay:test:readback';

const patient = (value: string, family = 'Okafor'): Patient => ({ resourceType: 'Patient', identifier: [{ system: SYSTEM, value }], name: [{ family }] });
const observation = (subject: string, value = 72): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
  subject: { reference: subject },
  valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});
const uuid = (n: number) => `urn:uuid:0c2d6f1e-5a4b-4c3d-9e8f-${String(n).padStart(12, '0')}`;
const ifNoneExist = (value: string) => `identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`;
const jsonPatch = (ops: unknown[]): Binary => ({ resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(ops)).toString('base64') });

/** `Type/id/_history/n` of the version a response entry answers: its Location, else its fullUrl and ETag. */
function versionPath(entry: BundleEntry): string {
  const location = entry.response?.location;
  if (location) return location.slice(BASE.length + 1);
  const versionId = /^W\/"(.+)"$/.exec(entry.response?.etag ?? '')?.[1];
  return `${(entry.fullUrl ?? '').slice(BASE.length + 1)}/_history/${versionId}`;
}

/** A vread's text as the stored version: a Binary's is stored without its data (its content is in the blob store), which a read adds. */
function storedText(vread: string): string {
  const resource = JSON.parse(vread) as Binary;
  if (resource.resourceType !== 'Binary') return vread;
  const { data: _content, ...stored } = resource;
  return JSON.stringify(stored);
}

describe('resources in batch and transaction responses are the stored versions, read back', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (bundle: Bundle, options: { prefer?: string; pretty?: boolean; token?: string } = {}) => {
    const req = t.request.post(options.pretty ? '/fhir?_pretty=true' : '/fhir').set('Content-Type', FHIR);
    if (options.prefer) req.set('Prefer', options.prefer);
    if (options.token) req.set('Authorization', `Bearer ${options.token}`);
    return req.send(bundle);
  };
  const put = async (resource: Patient | Observation) => {
    const res = await t.request.put(`/fhir/${resource.resourceType}/${resource.id}`).set('Content-Type', FHIR).send(resource);
    expect(res.status).toBe(201);
  };
  /** Checks that each entry's resource is byte for byte the vread of its version, with the fullUrl of that resource. */
  const expectStoredVersions = async (entries: BundleEntry[], token?: string) => {
    for (const entry of entries.filter((e) => e.resource)) {
      const path = versionPath(entry);
      const req = t.request.get(`/fhir/${path}`).set('Accept', FHIR);
      const vread = await (token ? req.set('Authorization', `Bearer ${token}`) : req);
      expect({ path, status: vread.status }).toEqual({ path, status: 200 });
      expect(JSON.stringify(entry.resource)).toBe(storedText(vread.text));
      expect(entry.fullUrl).toBe(`${BASE}/${path.split('/_history/')[0]}`);
    }
  };

  /**
   * One transaction of every kind of entry, made unique by `run`: creates (one with a reference to
   * rewrite, one a Binary whose data goes to the blob store), updates (one that changes nothing), a
   * patch, conditional creates (one matching a stored resource, two with the same criteria), a read
   * and a delete.
   */
  const mixed = async (run: string): Promise<Bundle> => {
    await put({ ...patient(`${run}-existing`), id: `${run}-existing` });
    await put({ ...observation(`Patient/${run}-existing`), id: `${run}-same` });
    await put({ ...patient(`${run}-patched`), id: `${run}-patched` });
    await put({ ...patient(`${run}-doomed`), id: `${run}-doomed` });
    await put({ ...patient(`${run}-matched`, 'Matched'), id: `${run}-matched` });
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: uuid(1), resource: patient(`${run}-new`), request: { method: 'POST', url: 'Patient' } },
        { resource: observation(uuid(1)), request: { method: 'POST', url: 'Observation' } },
        { resource: { ...patient(`${run}-existing`, 'Renamed'), id: `${run}-existing` }, request: { method: 'PUT', url: `Patient/${run}-existing` } },
        { resource: { ...patient(`${run}-put-new`), id: `${run}-put-new` }, request: { method: 'PUT', url: `Patient/${run}-put-new` } },
        { resource: { ...observation(`Patient/${run}-existing`), id: `${run}-same` }, request: { method: 'PUT', url: `Observation/${run}-same` } },
        { resource: jsonPatch([{ op: 'add', path: '/gender', value: 'female' }]), request: { method: 'PATCH', url: `Patient/${run}-patched` } },
        { resource: patient(`${run}-matched`), request: { method: 'POST', url: 'Patient', ifNoneExist: ifNoneExist(`${run}-matched`) } },
        { fullUrl: uuid(7), resource: patient(`${run}-twice`), request: { method: 'POST', url: 'Patient', ifNoneExist: ifNoneExist(`${run}-twice`) } },
        { fullUrl: uuid(8), resource: patient(`${run}-twice`), request: { method: 'POST', url: 'Patient', ifNoneExist: ifNoneExist(`${run}-twice`) } },
        { request: { method: 'GET', url: `Patient/${run}-existing` } },
        { request: { method: 'DELETE', url: `Patient/${run}-doomed` } },
        { resource: { resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from(`note ${run}`).toString('base64') }, request: { method: 'POST', url: 'Binary' } },
      ],
    };
  };
  const STATUSES = [201, 201, 200, 201, 200, 200, 200, 201, 200, 200, 200, 201];

  it('answers each write with the version it stored (Prefer: return=representation, the default)', async () => {
    const res = await post(await mixed('rep'));
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries.map(entryStatus)).toEqual(STATUSES);
    await expectStoredVersions(entries);
    // The stored versions, not the request's resources: the reference rewritten, the Binary's data in the blob store.
    expect((entries[1].resource as Observation).subject?.reference).toBe(`Patient/${entries[0].resource?.id}`);
    expect(entries[11].resource).not.toHaveProperty('data');
    // A conditional create that matched answers the stored resource; one repeating the criteria of another, that one's.
    expect(entries[6].resource?.id).toBe('rep-matched');
    expect(entries[8]).toEqual({ ...entries[7], response: { ...entries[7].response, status: '200 OK' } });
    // An update that changes nothing answers the current version, and the read what the update before it stored.
    expect(entries[4].response?.etag).toBe('W/"1"');
    expect(entries[9].resource).toEqual(entries[2].resource);
    expect(entries[10].response?.outcome?.issue?.[0].diagnostics).toMatch(/^deleted Patient\/rep-doomed/);
  });

  it('answers with no resource under Prefer: return=minimal, and with what happened under return=OperationOutcome', async () => {
    const minimal = await post(await mixed('min'), { prefer: 'return=minimal' });
    expect(minimal.status).toBe(200);
    const quiet = (minimal.body as Bundle).entry ?? [];
    expect(quiet.map(entryStatus)).toEqual(STATUSES);
    // Only the read answers a resource, and the delete its outcome: Prefer: return shapes writes only.
    expect(quiet.map((e) => Object.keys(e).join())).toEqual([...Array(9).fill('response'), 'fullUrl,resource,response', 'response', 'response']);
    await expectStoredVersions(quiet);

    const told = await post(await mixed('oo'), { prefer: 'return=OperationOutcome' });
    expect(told.status).toBe(200);
    const outcomes = ((told.body as Bundle).entry ?? []).map((e) => e.response?.outcome?.issue?.[0].diagnostics);
    expect(outcomes[0]).toMatch(/^created Patient\/[^ ]+ version 1$/);
    expect(outcomes[2]).toBe('updated Patient/oo-existing version 2');
    expect(outcomes[5]).toBe('patched Patient/oo-patched to version 2');
    expect(outcomes[6]).toMatch(/^Patient\/oo-matched \(version 1\) matches If-None-Exist/);
    expect(outcomes[8]).toMatch(/^same If-None-Exist criteria as Bundle\.entry\[7\]: Patient\/[^ ]+; nothing more was created$/);
    expect(((told.body as Bundle).entry ?? []).filter((e) => e.resource).length).toBe(1);
  });

  it('reads the versions back the same way into a streamed response (200 entries or more) and a pretty-printed one', async () => {
    for (const pretty of [false, true]) {
      const run = pretty ? 'pretty' : 'streamed';
      const entry: BundleEntry[] = [];
      for (let i = 0; i < 120; i++) {
        // Pairs with the same criteria: the second of each answers the first's resource.
        entry.push({ fullUrl: uuid(i), resource: patient(`${run}-${i >> 1}`), request: { method: 'POST', url: 'Patient', ifNoneExist: ifNoneExist(`${run}-${i >> 1}`) } });
      }
      for (let i = 0; i < 100; i++) entry.push({ resource: observation(uuid(i), i), request: { method: 'POST', url: 'Observation' } });
      const res = await post({ resourceType: 'Bundle', type: 'transaction', entry }, { pretty });
      expect(res.status).toBe(200);
      expect(res.text.includes('\n  ')).toBe(pretty);
      const entries = (res.body as Bundle).entry ?? [];
      expect(entries.length).toBe(220);
      await expectStoredVersions(entries);
      expect(entries[1].resource).toEqual(entries[0].resource);
      expect((entries[121].resource as Observation).subject?.reference).toBe(`Patient/${entries[0].resource?.id}`);
    }
  });

  it('answers a batch the same way, its failed entries with their outcome', async () => {
    await put({ ...patient('batch-existing'), id: 'batch-existing' });
    const res = await post({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: patient('batch-new'), request: { method: 'POST', url: 'Patient' } },
        { resource: { ...patient('batch-existing', 'Renamed'), id: 'batch-existing' }, request: { method: 'PUT', url: 'Patient/batch-existing' } },
        { resource: { resourceType: 'Patient', gender: 'no such code' } as unknown as Patient, request: { method: 'POST', url: 'Patient' } },
        { resource: jsonPatch([{ op: 'add', path: '/active', value: true }]), request: { method: 'PATCH', url: 'Patient/batch-existing' } },
      ],
    });
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries.map(entryStatus)).toEqual([201, 200, 400, 200]);
    await expectStoredVersions(entries);
    expect(entries[2].response?.outcome?.issue?.[0].expression?.[0]).toMatch(/^Bundle\.entry\[2\]\.resource\.gender/);
    expect(entries.map((e) => e.response?.etag)).toEqual(['W/"1"', 'W/"2"', undefined, 'W/"3"']);
  });
});

describe('a caller that may write but not read what it wrote', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('gets the stored versions in its transaction-response, as from a single create, though it may not read them', async () => {
    const writer = await accessToken(t, { scope: 'system/Patient.c system/Observation.c' });
    const single = await t.request.post('/fhir/Patient').set('Authorization', `Bearer ${writer}`).set('Content-Type', FHIR).send(patient('write-only-single'));
    expect({ status: single.status, resourceType: single.body.resourceType }).toEqual({ status: 201, resourceType: 'Patient' });
    const res = await t.request
      .post('/fhir')
      .set('Authorization', `Bearer ${writer}`)
      .set('Content-Type', FHIR)
      .send({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: uuid(1), resource: patient('write-only'), request: { method: 'POST', url: 'Patient' } },
          { resource: observation(uuid(1)), request: { method: 'POST', url: 'Observation' } },
        ],
      });
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries.map((e) => e.resource?.resourceType)).toEqual(['Patient', 'Observation']);
    const read = await t.request.get(`/fhir/${versionPath(entries[0])}`).set('Authorization', `Bearer ${writer}`);
    expect(read.status).toBe(403);
    const reader = await accessToken(t, { scope: 'system/*.rs' });
    for (const entry of entries) {
      const vread = await t.request.get(`/fhir/${versionPath(entry)}`).set('Authorization', `Bearer ${reader}`);
      expect(JSON.stringify(entry.resource)).toBe(vread.text);
    }
  });
});
