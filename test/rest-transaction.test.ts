import http from 'node:http';
import supertest from 'supertest';
import type { Bundle, BundleEntry, CapabilityStatement, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { buildApp } from '../src/app';
import type { Store } from '../src/storage/port';

const FHIR = 'application/fhir+json';
const SYSTEM = 'urn:relay:test:tx';
const BASE = 'http://relay.test/fhir';

const patient = (value: string, family = 'Okafor'): Patient => ({ resourceType: 'Patient', identifier: [{ system: SYSTEM, value }], name: [{ family }] });
const observation = (value: string, subject: string): Observation => ({
  resourceType: 'Observation',
  identifier: [{ system: SYSTEM, value }],
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
  subject: { reference: subject },
});
const transaction = (entry: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry });
const uuid = (n: number) => `urn:uuid:7d1c2a4e-0b3f-4e59-8c6a-${String(n).padStart(12, '0')}`;
const byIdentifier = (value: string) => `identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`;
/** `Type/id` from a response entry's location (…/Type/id/_history/n). */
const refOf = (e: BundleEntry) => /([A-Za-z]+\/[^/]+)\/_history\/\d+$/.exec(e.response?.location ?? '')?.[1];

/** The issues of an OperationOutcome answer with `status`: their texts and expressions. */
function failure(res: { status: number; body: OperationOutcome }, status: number): { text: string; expressions: string[] } {
  expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status, resourceType: 'OperationOutcome' });
  const issues = res.body.issue ?? [];
  return { text: issues.map((i) => i.diagnostics).join(' | '), expressions: issues.flatMap((i) => i.expression ?? []) };
}

describe('transaction Bundles (POST [base])', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (bundle: unknown, prefer?: string) => {
    const req = t.request.post('/fhir').set('Content-Type', FHIR);
    return (prefer ? req.set('Prefer', prefer) : req).send(bundle as object);
  };
  const found = async (type: string, value: string): Promise<(Patient | Observation)[]> => {
    const res = await t.request.get(`/fhir/${type}?${byIdentifier(value)}`);
    expect(res.status).toBe(200);
    return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Patient | Observation);
  };

  it('answers a large transaction whole and byte-exact, non-ASCII text intact (a large response is streamed)', async () => {
    const entries: BundleEntry[] = Array.from({ length: 250 }, (_, i) => ({
      fullUrl: uuid(1000 + i),
      resource: { ...patient(`large-${i}`, i === 7 ? 'Ñúñez ✓ 😀' : 'Okafor'), ...(i > 0 ? { link: [{ other: { reference: uuid(1000 + i - 1) }, type: 'seealso' }] } : {}) } as Patient,
      request: { method: 'POST', url: 'Patient' },
    }));
    const res = await post(transaction(entries));
    expect({ status: res.status, type: res.body.type, count: res.body.entry?.length }).toEqual({ status: 200, type: 'transaction-response', count: 250 });
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json; charset=utf-8/);
    const out = res.body.entry as BundleEntry[];
    expect(out.every((e) => e.response?.status === '201 Created')).toBe(true);
    expect((out[7].resource as Patient).name?.[0].family).toBe('Ñúñez ✓ 😀');
    expect((out[8].resource as Patient).link?.[0].other.reference).toBe(refOf(out[7]));
    const [stored] = (await found('Patient', 'large-7')) as Patient[];
    expect(stored.name?.[0].family).toBe('Ñúñez ✓ 😀');
  });

  it('creates entries that reference each other in a circle through urn:uuid and urn:oid fullUrls, wherever the reference sits', async () => {
    const res = await post(
      transaction([
        {
          fullUrl: uuid(1),
          resource: { ...patient('circle-a'), link: [{ other: { reference: 'urn:oid:1.2.840.99999.1' }, type: 'seealso' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:oid:1.2.840.99999.1',
          resource: {
            ...patient('circle-b'),
            link: [{ other: { reference: uuid(1) }, type: 'seealso' }],
            extension: [{ url: 'https://relay.example.org/ext/twin', valueReference: { reference: uuid(1) } }],
            text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">Twin of <a href="${uuid(1)}">A</a></div>` },
          },
          request: { method: 'POST', url: 'Patient' },
        },
      ]),
    );
    expect({ status: res.status, type: res.body.type }).toEqual({ status: 200, type: 'transaction-response' });
    const [a, b] = res.body.entry as BundleEntry[];
    expect([a.response?.status, b.response?.status]).toEqual(['201 Created', '201 Created']);
    const [storedA] = (await found('Patient', 'circle-a')) as Patient[];
    const [storedB] = (await found('Patient', 'circle-b')) as Patient[];
    expect(`Patient/${storedA.id}`).toBe(refOf(a));
    expect(storedA.link?.[0].other.reference).toBe(`Patient/${storedB.id}`);
    expect(storedB.link?.[0].other.reference).toBe(`Patient/${storedA.id}`);
    expect(storedB.extension?.[0].valueReference?.reference).toBe(`Patient/${storedA.id}`);
    expect(storedB.text?.div).toContain(`href="Patient/${storedA.id}"`);
  });

  it('answers each entry with status, location, etag, lastModified and the resource, in request order', async () => {
    const res = await post(
      transaction([
        { resource: { ...patient('resp-put'), id: 'tx-resp-put' }, request: { method: 'PUT', url: `${BASE}/Patient/tx-resp-put` } },
        { fullUrl: uuid(2), resource: patient('resp-post'), request: { method: 'POST', url: '/Patient' } },
      ]),
    );
    expect(res.status).toBe(200);
    const [put, created] = res.body.entry as BundleEntry[];
    expect(put.response).toEqual({ status: '201 Created', location: `${BASE}/Patient/tx-resp-put/_history/1`, etag: 'W/"1"', lastModified: (put.resource as Patient).meta?.lastUpdated });
    expect(put.fullUrl).toBe(`${BASE}/Patient/tx-resp-put`);
    expect(created.resource).toMatchObject({ resourceType: 'Patient', identifier: [{ value: 'resp-post' }] });
    expect(created.response?.location).toBe(`${BASE}/${refOf(created)}/_history/1`);
  });

  it('honours Prefer: return=minimal and return=OperationOutcome for every write entry', async () => {
    const minimal = await post(transaction([{ fullUrl: uuid(3), resource: patient('prefer-min'), request: { method: 'POST', url: 'Patient' } }]), 'return=minimal');
    expect(minimal.body.entry[0].resource).toBeUndefined();
    expect(minimal.body.entry[0].response).toMatchObject({ status: '201 Created', etag: 'W/"1"' });
    const oo = await post(transaction([{ fullUrl: uuid(4), resource: patient('prefer-oo'), request: { method: 'POST', url: 'Patient' } }]), 'return=OperationOutcome');
    expect(oo.body.entry[0].resource).toBeUndefined();
    expect(oo.body.entry[0].response.outcome.issue[0].diagnostics).toMatch(/^created Patient\/\S+ version 1$/);
  });

  it('rejects a transaction whose second entry is invalid, and stores nothing; the issue points into that entry', async () => {
    const res = await post(
      transaction([
        { fullUrl: uuid(5), resource: patient('invalid-first'), request: { method: 'POST', url: 'Patient' } },
        { fullUrl: uuid(6), resource: { ...patient('invalid-second'), gender: 'F' } as unknown as Patient, request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    const { text, expressions } = failure(res, 400);
    expect(expressions).toEqual(['Bundle.entry[1].resource.gender']);
    expect(text).toMatch(/^Bundle\.entry\[1\] \(POST Patient\): /);
    expect(await found('Patient', 'invalid-first')).toEqual([]);
  });

  it('points problems with an entry\'s request at request.method and request.url, and answers an unknown path with 404', async () => {
    const noMethod = failure(await post(transaction([{ request: { url: 'Patient' } } as BundleEntry])), 400);
    expect(noMethod.expressions).toEqual(['Bundle.entry[0].request.method']);
    const foreign = failure(await post(transaction([{ resource: patient('foreign'), request: { method: 'POST', url: 'http://elsewhere.example/fhir/Patient' } }])), 400);
    expect(foreign.expressions).toEqual(['Bundle.entry[0].request.url']);
    const unknown = failure(await post(transaction([{ request: { method: 'GET', url: 'Patient/x/nonsense' } }])), 404);
    expect(unknown.expressions).toEqual(['Bundle.entry[0].request.url']);
    const unknownType = failure(await post(transaction([{ request: { method: 'DELETE', url: 'Nonsense?identifier=x' } }])), 404);
    expect(unknownType.expressions).toEqual(['Bundle.entry[0].request.url']);
    const missing = failure(await post(transaction([{ request: { method: 'PUT', url: 'Patient/tx-no-body' } }])), 400);
    expect(missing.expressions).toEqual(['Bundle.entry[0].resource']);
  });

  it('fails with the entry\'s own status: a read of an unknown resource is 404, and nothing else is stored', async () => {
    const res = await post(
      transaction([
        { fullUrl: uuid(7), resource: patient('read-404'), request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/tx-never-there' } },
      ]),
    );
    expect(failure(res, 404).expressions).toEqual(['Bundle.entry[1].request.url']);
    expect(await found('Patient', 'read-404')).toEqual([]);
  });

  it('refuses (400) two entries that change the same resource, also when a conditional delete selects it', async () => {
    const target = (await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient('overlap'))).body as Patient;
    const direct = await post(
      transaction([
        { resource: { ...patient('overlap', 'New'), id: target.id }, request: { method: 'PUT', url: `Patient/${target.id}` } },
        { request: { method: 'DELETE', url: `Patient/${target.id}` } },
      ]),
    );
    const { text, expressions } = failure(direct, 400);
    expect(text).toContain(`both change Patient/${target.id}`);
    expect(expressions).toEqual(['Bundle.entry[0].request.url', 'Bundle.entry[1].request.url']);
    const conditional = await post(
      transaction([
        { request: { method: 'DELETE', url: `Patient?${byIdentifier('overlap')}` } },
        { resource: { ...patient('overlap', 'New'), id: target.id }, request: { method: 'PUT', url: `Patient/${target.id}` } },
      ]),
    );
    expect(failure(conditional, 400).text).toContain(`both change Patient/${target.id}`);
    expect((await t.request.get(`/fhir/Patient/${target.id}`)).body.meta.versionId).toBe('1');
  });

  it('resolves conditional references in resources to their one match; none is 400 and several 412, pointing at the reference', async () => {
    const target = (await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient('cref'))).body as Patient;
    const ok = await post(transaction([{ resource: observation('cref-obs', `Patient?${byIdentifier('cref')}`), request: { method: 'POST', url: 'Observation' } }]));
    expect(ok.status).toBe(200);
    expect(((await found('Observation', 'cref-obs'))[0] as Observation).subject?.reference).toBe(`Patient/${target.id}`);

    const none = await post(transaction([{ resource: observation('cref-none', `Patient?${byIdentifier('cref-nobody')}`), request: { method: 'POST', url: 'Observation' } }]));
    expect(failure(none, 400).expressions).toEqual(['Bundle.entry[0].resource.subject.reference']);
    for (let i = 0; i < 2; i++) await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient('cref-twice'));
    const several = await post(transaction([{ resource: observation('cref-several', `Patient?${byIdentifier('cref-twice')}`), request: { method: 'POST', url: 'Observation' } }]));
    expect(failure(several, 412).expressions).toEqual(['Bundle.entry[0].resource.subject.reference']);
    expect(await found('Observation', 'cref-none')).toEqual([]);
  });

  it('refuses (400) a urn:uuid reference that is the fullUrl of no entry, pointing at it', async () => {
    const res = await post(transaction([{ fullUrl: uuid(40), resource: observation('dangling', uuid(41)), request: { method: 'POST', url: 'Observation' } }]));
    const { text, expressions } = failure(res, 400);
    expect(expressions).toEqual(['Bundle.entry[0].resource.subject.reference']);
    expect(text).toContain(uuid(41));
  });

  it('resolves a conditional reference to the resource a conditional create of the same transaction makes', async () => {
    const res = await post(
      transaction([
        { resource: observation('cref-same-obs', `Patient?${byIdentifier('cref-same')}`), request: { method: 'POST', url: 'Observation' } },
        { resource: patient('cref-same'), request: { method: 'POST', url: 'Patient', ifNoneExist: byIdentifier('cref-same') } },
      ]),
    );
    expect(res.status).toBe(200);
    expect(((await found('Observation', 'cref-same-obs'))[0] as Observation).subject?.reference).toBe(refOf(res.body.entry[1]));
  });

  it('runs a conditional update whose urn:uuid fullUrl other entries reference, creating with the planned id when nothing matches', async () => {
    const res = await post(
      transaction([
        { fullUrl: uuid(8), resource: patient('cupd'), request: { method: 'PUT', url: `Patient?${byIdentifier('cupd')}` } },
        { resource: observation('cupd-obs', uuid(8)), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toBe('201 Created');
    const [stored] = await found('Patient', 'cupd');
    expect(((await found('Observation', 'cupd-obs'))[0] as Observation).subject?.reference).toBe(`Patient/${stored.id}`);
    const again = await post(transaction([{ fullUrl: uuid(9), resource: patient('cupd', 'Second'), request: { method: 'PUT', url: `Patient?${byIdentifier('cupd')}` } }]));
    expect(again.body.entry[0].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
  });

  it('replaces fullUrls in the search URL of a GET entry and of a conditional create', async () => {
    const res = await post(
      transaction([
        { fullUrl: uuid(10), resource: patient('get-urn'), request: { method: 'POST', url: 'Patient' } },
        { fullUrl: uuid(11), resource: observation('get-urn-obs', uuid(10)), request: { method: 'POST', url: 'Observation', ifNoneExist: `subject=${uuid(10)}` } },
        { request: { method: 'GET', url: `Observation?subject=${encodeURIComponent(uuid(10))}` } },
      ]),
    );
    expect(res.status).toBe(200);
    const search = res.body.entry[2].resource as Bundle;
    expect(search.entry?.map((e) => `Observation/${e.resource?.id}`)).toEqual([refOf(res.body.entry[1])]);
  });

  it('applies PATCH entries (a JSON Patch in a Binary, a FHIRPath Patch in Parameters) after the POSTs, with references to entries resolved', async () => {
    const target = (await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient('patched'))).body as Patient;
    const jsonPatch = [
      { op: 'replace', path: '/name/0/family', value: 'Patched' },
      { op: 'add', path: '/generalPractitioner', value: [{ reference: uuid(30) }] },
    ];
    const res = await post(
      transaction([
        { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(jsonPatch)).toString('base64') }, request: { method: 'PATCH', url: `Patient/${target.id}` } },
        { fullUrl: uuid(30), resource: { resourceType: 'Practitioner', name: [{ family: 'Gp' }] }, request: { method: 'POST', url: 'Practitioner' } },
        {
          resource: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.active' }, { name: 'value', valueBoolean: true }] }] },
          request: { method: 'PATCH', url: `Patient?${byIdentifier('patched-2')}` },
        },
      ]),
    );
    await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(patient('patched-2'));
    expect(failure(res, 404).expressions).toEqual(['Bundle.entry[2].request.url']);
    expect((await t.request.get(`/fhir/Patient/${target.id}`)).body.meta.versionId).toBe('1');

    const again = await post(
      transaction([
        { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(jsonPatch)).toString('base64') }, request: { method: 'PATCH', url: `Patient/${target.id}` } },
        { fullUrl: uuid(30), resource: { resourceType: 'Practitioner', name: [{ family: 'Gp' }] }, request: { method: 'POST', url: 'Practitioner' } },
        {
          resource: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.name.family' }, { name: 'value', valueString: 'Second' }] }] },
          request: { method: 'PATCH', url: `Patient?${byIdentifier('patched-2')}` },
        },
      ]),
    );
    expect(again.status).toBe(200);
    expect(again.body.entry.map((e: BundleEntry) => e.response?.status)).toEqual(['200 OK', '201 Created', '200 OK']);
    const stored = (await t.request.get(`/fhir/Patient/${target.id}`)).body as Patient;
    expect(stored.name?.[0].family).toBe('Patched');
    expect(stored.generalPractitioner?.[0].reference).toBe(refOf(again.body.entry[1]));
    expect(((await found('Patient', 'patched-2'))[0] as Patient).name?.[0].family).toBe('Second');
  });

  it('makes one resource of conditional creates with the same criteria, within a transaction and across concurrent ones', async () => {
    const bundle = (n: number) =>
      transaction([
        { fullUrl: uuid(50 + 2 * n), resource: patient('once'), request: { method: 'POST', url: 'Patient', ifNoneExist: byIdentifier('once') } },
        { fullUrl: uuid(51 + 2 * n), resource: patient('once'), request: { method: 'POST', url: 'Patient', ifNoneExist: `Patient?${byIdentifier('once')}` } },
      ]);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, n) => post(bundle(n))));
    const [stored] = await found('Patient', 'once');
    expect(await found('Patient', 'once')).toHaveLength(1);
    const statuses = answers.flatMap((res) => (res.body.entry as BundleEntry[]).map((e) => e.response?.status));
    expect(statuses.filter((s) => s === '201 Created')).toHaveLength(1);
    expect(statuses.filter((s) => s === '200 OK')).toHaveLength(15);
    for (const res of answers) for (const e of res.body.entry as BundleEntry[]) expect(refOf(e)).toBe(`Patient/${stored.id}`);
  });

  it('refuses more entries than RELAY_BUNDLE_MAX_ENTRIES with 413 naming the setting', async () => {
    const entries = Array.from({ length: t.config.bundleMaxEntries + 1 }, () => ({ request: { method: 'GET', url: 'metadata' } }));
    const { text } = failure(await post(transaction(entries as BundleEntry[])), 413);
    expect(text).toContain('RELAY_BUNDLE_MAX_ENTRIES');
  });

  it('explains that a document, collection or message Bundle is stored by POST [base]/Bundle, which checks bdl-9 and bdl-11', async () => {
    const collection: Bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: uuid(12), resource: patient('collected') }] };
    expect(failure(await post(collection), 400).text).toContain('POST it to [base]/Bundle');
    expect((await t.request.post('/fhir/Bundle').set('Content-Type', FHIR).send(collection)).status).toBe(201);
    const document: Bundle = { resourceType: 'Bundle', type: 'document', timestamp: '2026-01-01T00:00:00Z', entry: [{ fullUrl: uuid(13), resource: patient('doc') }] };
    const noIdentifier = failure(await t.request.post('/fhir/Bundle').set('Content-Type', FHIR).send(document), 400);
    expect(noIdentifier.text).toContain('bdl-9');
    expect(noIdentifier.expressions).toContain('Bundle');
    const notComposition = failure(await t.request.post('/fhir/Bundle').set('Content-Type', FHIR).send({ ...document, identifier: { system: SYSTEM, value: 'doc-1' } }), 400);
    expect(notComposition.text).toContain('bdl-11');
  });

  it('is listed as the transaction and batch system interactions of the CapabilityStatement', async () => {
    const cs = (await t.request.get('/fhir/metadata')).body as CapabilityStatement;
    expect(cs.rest?.[0].interaction?.map((i) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch']));
  });
});

describe('transaction Bundles on a store without atomic transactions', () => {
  let t: TestApp;
  let server: http.Server;
  beforeAll(async () => {
    t = await startTestApp();
    // What a standalone MongoDB server looks like to the app: the same store, not transactional.
    const standalone = new Proxy(t.store, { get: (target, key) => (key === 'transactional' ? false : Reflect.get(target, key, target)) }) as Store;
    server = http.createServer(buildApp({ config: t.config, store: standalone, log: () => undefined }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
  });

  it('refuses a transaction with 501, saying a replica set is needed, and stores nothing; a batch still works', async () => {
    const request = supertest(server);
    const entry: BundleEntry[] = [{ fullUrl: uuid(20), resource: patient('standalone'), request: { method: 'POST', url: 'Patient' } }];
    const res = await request.post('/fhir').set('Content-Type', FHIR).send(transaction(entry));
    expect(failure(res, 501).text).toContain('replica set');
    expect((await request.get(`/fhir/Patient?${byIdentifier('standalone')}`)).body.total).toBe(0);
    const batch = await request.post('/fhir').set('Content-Type', FHIR).send({ resourceType: 'Bundle', type: 'batch', entry });
    expect(batch.body.entry[0].response.status).toBe('201 Created');
  });
});
