/**
 * Acceptance (issue 4): the rules of R4 http.html#transaction and #trules, one behaviour per test:
 * processing order (DELETE, then POST, then PUT/PATCH, then GET), conditional creates inside a
 * transaction, request.url forms, response entries, If-Match, the entry limit and Bundle types.
 */
import type { Bundle, BundleEntry, Observation, Patient } from '@medplum/fhirtypes';
import type { Config } from '../src/config';
import { startTestApp, type TestApp } from './helpers/test-app';
import { entryLocation, entryStatus, outcomeExpressions } from './helpers/bundle-response';

const FHIR = 'application/fhir+json';
const SYSTEM = 'urn:relay:test:semantics';

const patient = (value: string, family = 'Okafor'): Patient => ({ resourceType: 'Patient', identifier: [{ system: SYSTEM, value }], name: [{ family }] });
const observation = (value: string, subject: string): Observation => ({
  resourceType: 'Observation',
  identifier: [{ system: SYSTEM, value }],
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
  subject: { reference: subject },
  valueQuantity: { value: 70.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});
/** What the tests read from a stored Patient or Observation. */
type Stored = { id: string; meta?: { versionId?: string }; name?: { family?: string }[]; subject?: { reference?: string } };
const transaction = (entry: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry });
const uuid = (n: number) => `urn:uuid:0e5c6a1d-2b7f-4c1e-9a3d-${String(n).padStart(12, '0')}`;
const identifierQuery = (value: string) => `identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`;

describe('transaction semantics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (bundle: Bundle, path = '/fhir') => t.request.post(path).set('Content-Type', FHIR).send(bundle);
  const create = async (resource: Patient): Promise<Patient & { id: string }> => {
    const res = await t.request.post(`/fhir/${resource.resourceType}`).set('Content-Type', FHIR).send(resource);
    expect(res.status).toBe(201);
    return res.body;
  };
  const matches = async (type: string, value: string) => {
    const res = await t.request.get(`/fhir/${type}?${identifierQuery(value)}`);
    expect(res.status).toBe(200);
    return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Stored);
  };
  const expectOk = (res: { status: number; body: Bundle }, type = 'transaction-response') => {
    expect({ status: res.status, type: res.body.type, issues: (res.body as { issue?: unknown }).issue }).toEqual({ status: 200, type, issues: undefined });
  };

  it('lets a GET entry see a resource that a POST entry later in the same bundle creates (GETs run last)', async () => {
    const res = await post(
      transaction([
        { request: { method: 'GET', url: `Patient?${identifierQuery('order-get')}` } },
        { fullUrl: uuid(1), resource: patient('order-get'), request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    expectOk(res);
    const [search, created] = res.body.entry as BundleEntry[];
    expect(entryStatus(search)).toBe(200);
    expect(entryStatus(created)).toBe(201);
    const found = (search.resource as Bundle).entry?.map((e) => `Patient/${e.resource?.id}`);
    expect(found).toEqual([entryLocation(created)?.ref]);
  });

  it('runs a DELETE before a POST: a conditional create after the deletion of its only match creates a new resource', async () => {
    const old = await create(patient('order-delete'));
    const res = await post(
      transaction([
        { fullUrl: uuid(2), resource: patient('order-delete', 'Replacement'), request: { method: 'POST', url: 'Patient', ifNoneExist: identifierQuery('order-delete') } },
        { request: { method: 'DELETE', url: `Patient?${identifierQuery('order-delete')}` } },
      ]),
    );
    expectOk(res);
    expect(res.body.entry.map(entryStatus)).toEqual([201, expect.any(Number)]);
    expect([200, 204]).toContain(entryStatus(res.body.entry[1]));
    expect((await t.request.get(`/fhir/Patient/${old.id}`)).status).toBe(410);
    const now = await matches('Patient', 'order-delete');
    expect(now.map((p) => p.name?.[0].family)).toEqual(['Replacement']);
    expect(`Patient/${now[0].id}`).toBe(entryLocation(res.body.entry[0])?.ref);
  });

  it('makes one resource of two entries with the same ifNoneExist criteria, and points references to either fullUrl at it', async () => {
    const res = await post(
      transaction([
        { fullUrl: uuid(3), resource: patient('same-criteria'), request: { method: 'POST', url: 'Patient', ifNoneExist: identifierQuery('same-criteria') } },
        { fullUrl: uuid(4), resource: patient('same-criteria'), request: { method: 'POST', url: 'Patient', ifNoneExist: identifierQuery('same-criteria') } },
        { fullUrl: uuid(5), resource: observation('same-criteria-a', uuid(3)), request: { method: 'POST', url: 'Observation' } },
        { fullUrl: uuid(6), resource: observation('same-criteria-b', uuid(4)), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    expectOk(res);
    const found = await matches('Patient', 'same-criteria');
    expect(found).toHaveLength(1);
    const ref = `Patient/${found[0].id}`;
    expect(res.body.entry.slice(0, 2).map((e: BundleEntry) => entryLocation(e)?.ref)).toEqual([ref, ref]);
    expect(res.body.entry.slice(0, 2).map(entryStatus).sort()).toEqual([200, 201]);
    for (const value of ['same-criteria-a', 'same-criteria-b']) expect((await matches('Observation', value))[0].subject).toEqual({ reference: ref });
  });

  it('answers a conditional create that matches an existing resource with entry status 200, and points references to its fullUrl at the existing resource', async () => {
    const existing = await create(patient('cond-existing'));
    const res = await post(
      transaction([
        { fullUrl: uuid(7), resource: patient('cond-existing', 'Other'), request: { method: 'POST', url: 'Patient', ifNoneExist: identifierQuery('cond-existing') } },
        { fullUrl: uuid(8), resource: observation('cond-existing-obs', uuid(7)), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    expectOk(res);
    expect(res.body.entry.map(entryStatus)).toEqual([200, 201]);
    expect(entryLocation(res.body.entry[0])?.ref).toBe(`Patient/${existing.id}`);
    expect((await matches('Observation', 'cond-existing-obs'))[0].subject).toEqual({ reference: `Patient/${existing.id}` });
    const stillOne = await matches('Patient', 'cond-existing');
    expect(stillOne.map((p) => `${p.id} v${p.meta?.versionId} ${p.name?.[0].family}`)).toEqual([`${existing.id} v1 Okafor`]);
  });

  it('accepts request.url absolute on this server base, relative, and with a leading slash', async () => {
    const base = 'http://relay.test/fhir';
    const res = await post(
      transaction([
        { fullUrl: uuid(9), resource: patient('url-abs'), request: { method: 'POST', url: `${base}/Patient` } },
        { fullUrl: uuid(10), resource: patient('url-slash'), request: { method: 'POST', url: '/Patient' } },
        { fullUrl: uuid(11), resource: patient('url-rel'), request: { method: 'POST', url: 'Patient' } },
        { resource: { ...patient('url-put-abs'), id: 'url-put-abs' }, request: { method: 'PUT', url: `${base}/Patient/url-put-abs` } },
        { resource: { ...patient('url-put-slash'), id: 'url-put-slash' }, request: { method: 'PUT', url: '/Patient/url-put-slash' } },
        { resource: { ...patient('url-put-rel'), id: 'url-put-rel' }, request: { method: 'PUT', url: 'Patient/url-put-rel' } },
      ]),
    );
    expectOk(res);
    expect(res.body.entry.map(entryStatus)).toEqual([201, 201, 201, 201, 201, 201]);
    for (const value of ['url-abs', 'url-slash', 'url-rel']) expect(await matches('Patient', value)).toHaveLength(1);
    for (const id of ['url-put-abs', 'url-put-slash', 'url-put-rel']) expect((await t.request.get(`/fhir/Patient/${id}`)).status).toBe(200);
  });

  it('rewrites a urn:uuid reference inside a PUT entry to the resource a POST entry created', async () => {
    const res = await post(
      transaction([
        { resource: { ...observation('put-ref', uuid(12)), id: 'put-ref-obs' }, request: { method: 'PUT', url: 'Observation/put-ref-obs' } },
        { fullUrl: uuid(12), resource: patient('put-ref'), request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    expectOk(res);
    expect((await t.request.get('/fhir/Observation/put-ref-obs')).body.subject).toEqual({ reference: entryLocation(res.body.entry[1])?.ref });
  });

  it('replaces a fullUrl wherever it is a link: references, elements of type url and uri, and <a href>/<img src> in the narrative, but not canonicals', async () => {
    // R4 http.html#trules: servers SHALL replace all matching links in the bundle, in resource references,
    // elements of type uri, url, oid and uuid, and <a href> and <img src> in the narrative; canonicals are not replaced.
    const [binary, subject, questionnaire] = [uuid(20), uuid(21), uuid(22)];
    const div = `<div xmlns="http://www.w3.org/1999/xhtml"><p>Photo of <a href="${subject}">the patient</a>: <img src="${binary}" alt="forearm"/></p></div>`;
    const res = await post(
      transaction([
        { fullUrl: binary, resource: { resourceType: 'Binary', contentType: 'image/jpeg', data: '/9j/4AAQSkZJRgABAQ==' }, request: { method: 'POST', url: 'Binary' } },
        { fullUrl: subject, resource: patient('links'), request: { method: 'POST', url: 'Patient' } },
        { fullUrl: questionnaire, resource: { resourceType: 'Questionnaire', status: 'active', item: [{ linkId: 'q', type: 'string' }] }, request: { method: 'POST', url: 'Questionnaire' } },
        {
          fullUrl: uuid(23),
          resource: {
            resourceType: 'Media',
            identifier: [{ system: SYSTEM, value: 'links-media' }],
            status: 'completed',
            text: { status: 'generated', div },
            extension: [{ url: 'https://relay.example.org/fhir/StructureDefinition/source-uri', valueUri: binary }],
            subject: { reference: subject },
            content: { contentType: 'image/jpeg', url: binary },
          },
          request: { method: 'POST', url: 'Media' },
        },
        {
          fullUrl: uuid(24),
          resource: { resourceType: 'QuestionnaireResponse', identifier: { system: SYSTEM, value: 'links-qr' }, status: 'completed', questionnaire, subject: { reference: subject } },
          request: { method: 'POST', url: 'QuestionnaireResponse' },
        },
      ]),
    );
    expectOk(res);
    const [binaryRef, patientRef] = [entryLocation(res.body.entry[0])?.ref, entryLocation(res.body.entry[1])?.ref];
    const media = (await matches('Media', 'links-media'))[0] as Stored & { content: { url: string }; extension: { valueUri: string }[]; text: { div: string } };
    const qr = (await matches('QuestionnaireResponse', 'links-qr'))[0] as Stored & { questionnaire: string };
    expect({
      'Media.subject.reference': media.subject?.reference,
      'Media.content.url (url)': media.content.url,
      'Media.extension.valueUri (uri)': media.extension[0].valueUri,
      'Media.text.div <a href>': /href="([^"]*)"/.exec(media.text.div)?.[1],
      'Media.text.div <img src>': /src="([^"]*)"/.exec(media.text.div)?.[1],
      'QuestionnaireResponse.subject.reference': qr.subject?.reference,
      'QuestionnaireResponse.questionnaire (canonical)': qr.questionnaire,
    }).toEqual({
      'Media.subject.reference': patientRef,
      'Media.content.url (url)': binaryRef,
      'Media.extension.valueUri (uri)': binaryRef,
      'Media.text.div <a href>': patientRef,
      'Media.text.div <img src>': binaryRef,
      'QuestionnaireResponse.subject.reference': patientRef,
      'QuestionnaireResponse.questionnaire (canonical)': questionnaire,
    });
  });

  it('resolves references to an entry with a RESTful fullUrl: absolute, and relative from an entry on the same base', async () => {
    // R4 bundle.html#references: a relative reference in an entry whose fullUrl is a RESTful URL resolves
    // against that URL's base; a reference equal to an entry's fullUrl points at that entry's resource.
    const res = await post(
      transaction([
        { fullUrl: 'http://clinic.example/fhir/Patient/p1', resource: { ...patient('restful'), id: 'p1' }, request: { method: 'POST', url: 'Patient' } },
        { fullUrl: 'http://clinic.example/fhir/Observation/o1', resource: { ...observation('restful-relative', 'Patient/p1'), id: 'o1' }, request: { method: 'POST', url: 'Observation' } },
        { fullUrl: uuid(25), resource: observation('restful-absolute', 'http://clinic.example/fhir/Patient/p1'), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    expectOk(res);
    const created = entryLocation(res.body.entry[0])?.ref;
    expect(created).not.toBe('Patient/p1');
    for (const value of ['restful-relative', 'restful-absolute']) expect({ value, subject: (await matches('Observation', value))[0].subject }).toEqual({ value, subject: { reference: created } });
  });

  it('refuses with 400 a urn:uuid reference that is no entry\'s fullUrl (it could never resolve), storing nothing', async () => {
    const res = await post(
      transaction([
        { fullUrl: uuid(26), resource: patient('dangling'), request: { method: 'POST', url: 'Patient' } },
        { fullUrl: uuid(27), resource: observation('dangling-obs', uuid(999)), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
    expect(outcomeExpressions(res.body).some((e) => e.startsWith('Bundle.entry[1]'))).toBe(true);
    expect(await matches('Patient', 'dangling')).toEqual([]);
  });

  it('validates each entry as a single create would, reporting the same issues at Bundle.entry[n].resource', async () => {
    const invalid = { resourceType: 'Patient', gender: 'F', name: [{ use: 'nick', family: 'Okafor' }], identifier: [{ system: SYSTEM, value: 'invalid-entry' }] };
    const single = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(invalid);
    expect(single.status).toBe(400);
    const singleExpressions = outcomeExpressions(single.body);
    expect(singleExpressions.length).toBeGreaterThanOrEqual(2);
    const res = await post(
      transaction([
        { fullUrl: uuid(30), resource: patient('invalid-entry-0'), request: { method: 'POST', url: 'Patient' } },
        { fullUrl: uuid(31), resource: patient('invalid-entry-1'), request: { method: 'POST', url: 'Patient' } },
        { fullUrl: uuid(32), resource: invalid as Patient, request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
    expect(outcomeExpressions(res.body).sort()).toEqual(singleExpressions.map((e) => e.replace(/^Patient\b/, 'Bundle.entry[2].resource')).sort());
    expect(await matches('Patient', 'invalid-entry-0')).toEqual([]);
  });

  it('checks reference target types after resolving fullUrls: an Observation.subject that resolves to a Practitioner is a 400', async () => {
    const res = await post(
      transaction([
        { fullUrl: uuid(33), resource: { resourceType: 'Practitioner', identifier: [{ system: SYSTEM, value: 'wrong-target' }] }, request: { method: 'POST', url: 'Practitioner' } },
        { fullUrl: uuid(34), resource: observation('wrong-target-obs', uuid(33)), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
    expect(outcomeExpressions(res.body).some((e) => e.startsWith('Bundle.entry[1]'))).toBe(true);
    expect(await matches('Practitioner', 'wrong-target')).toEqual([]);
  });

  it('refuses with 412 an entry whose ifMatch names a version that is not current, and stores nothing from the bundle', async () => {
    const target = await create(patient('if-match'));
    await t.request.put(`/fhir/Patient/${target.id}`).set('Content-Type', FHIR).send({ ...patient('if-match', 'Second'), id: target.id });
    const res = await post(
      transaction([
        { fullUrl: uuid(13), resource: patient('if-match-new'), request: { method: 'POST', url: 'Patient' } },
        { resource: { ...patient('if-match', 'Stale'), id: target.id }, request: { method: 'PUT', url: `Patient/${target.id}`, ifMatch: 'W/"1"' } },
      ]),
    );
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 412, resourceType: 'OperationOutcome' });
    expect(outcomeExpressions(res.body).some((e) => e.startsWith('Bundle.entry[1]'))).toBe(true);
    expect(await matches('Patient', 'if-match-new')).toEqual([]);
    const current = (await t.request.get(`/fhir/Patient/${target.id}`)).body;
    expect(`${current.meta.versionId} ${current.name[0].family}`).toBe('2 Second');
  });

  it('applies an entry whose ifMatch names the current version', async () => {
    const target = await create(patient('if-match-ok'));
    const res = await post(transaction([{ resource: { ...patient('if-match-ok', 'Second'), id: target.id }, request: { method: 'PUT', url: `Patient/${target.id}`, ifMatch: 'W/"1"' } }]));
    expectOk(res);
    expect(res.body.entry[0].response).toMatchObject({ etag: 'W/"2"' });
    expect(entryStatus(res.body.entry[0])).toBe(200);
  });

  it('answers one response entry per request entry, in request order, with status, location, etag and lastModified', async () => {
    const seed = await create(patient('resp-seed'));
    const gone = await create(patient('resp-gone'));
    const res = await post(
      transaction([
        { request: { method: 'GET', url: `Patient/${seed.id}` } },
        { resource: { ...patient('resp-put'), id: 'resp-put' }, request: { method: 'PUT', url: 'Patient/resp-put' } },
        { fullUrl: uuid(14), resource: observation('resp-obs', uuid(15)), request: { method: 'POST', url: 'Observation' } },
        { request: { method: 'DELETE', url: `Patient/${gone.id}` } },
        { fullUrl: uuid(15), resource: patient('resp-post'), request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    expectOk(res);
    const out: BundleEntry[] = res.body.entry;
    expect(out).toHaveLength(5);
    expect(out.map((e) => e.response?.status?.slice(0, 3))).toEqual(['200', '201', '201', expect.stringMatching(/^20[04]$/), '201']);
    for (const e of out) expect(e.response?.status).toMatch(/^\d{3}( \S.*)?$/);

    expect(out[0].resource).toMatchObject({ resourceType: 'Patient', id: seed.id });

    expect(entryLocation(out[1])).toEqual({ ref: 'Patient/resp-put', type: 'Patient', id: 'resp-put', version: '1' });
    for (const i of [1, 2, 4]) {
      const e = out[i];
      expect({ i, etag: e.response?.etag }).toEqual({ i, etag: 'W/"1"' });
      const stored = (await t.request.get(`/fhir/${entryLocation(e)?.ref}`)).body;
      expect({ i, lastModified: Date.parse(e.response?.lastModified ?? '') }).toEqual({ i, lastModified: Date.parse(stored.meta.lastUpdated) });
    }
    expect(entryLocation(out[2])?.type).toBe('Observation');
    expect(entryLocation(out[4])?.type).toBe('Patient');
    expect((await t.request.get(`/fhir/Patient/${gone.id}`)).status).toBe(410);
  });

  it('accepts a transaction posted to the base with a trailing slash', async () => {
    const res = await post(transaction([{ fullUrl: uuid(16), resource: patient('trailing-slash'), request: { method: 'POST', url: 'Patient' } }]), '/fhir/');
    expectOk(res);
    expect(await matches('Patient', 'trailing-slash')).toHaveLength(1);
  });

  it.each(['collection', 'document', 'searchset', 'history', 'message'])('refuses with 400 a Bundle of type %s posted to the base, storing nothing', async (type) => {
    const res = await post({ resourceType: 'Bundle', type: type as Bundle['type'], entry: [{ fullUrl: uuid(17), resource: patient(`wrong-type-${type}`), request: { method: 'POST', url: 'Patient' } }] });
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
    expect(await matches('Patient', `wrong-type-${type}`)).toEqual([]);
  });

  it('refuses with 400 a body that is not a Bundle posted to the base', async () => {
    const res = await t.request.post('/fhir').set('Content-Type', FHIR).send(patient('not-a-bundle'));
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
    expect(await matches('Patient', 'not-a-bundle')).toEqual([]);
  });
});

describe('the entry limit (bundleMaxEntries)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Typed so that this compiles whether or not Config already declares the key.
    const overrides: Partial<Config> & { bundleMaxEntries?: number } = { bundleMaxEntries: 5 };
    t = await startTestApp(overrides);
  });
  afterAll(async () => {
    await t.close();
  });

  const entries = (n: number, prefix: string): BundleEntry[] => Array.from({ length: n }, (_, i) => ({ fullUrl: uuid(100 + i), resource: patient(`${prefix}-${i}`), request: { method: 'POST', url: 'Patient' } }));

  it('accepts a transaction of exactly the limit', async () => {
    const res = await t.request.post('/fhir').set('Content-Type', FHIR).send(transaction(entries(5, 'limit-ok')));
    expect({ status: res.status, type: res.body.type }).toEqual({ status: 200, type: 'transaction-response' });
    expect(res.body.entry.map(entryStatus)).toEqual([201, 201, 201, 201, 201]);
  });

  it.each(['transaction', 'batch'] as const)('refuses a %s of more entries than the limit with 413, storing nothing', async (type) => {
    const before = (await t.request.get('/fhir/Patient?_summary=count')).body.total;
    const res = await t.request.post('/fhir').set('Content-Type', FHIR).send({ resourceType: 'Bundle', type, entry: entries(6, `limit-${type}`) });
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 413, resourceType: 'OperationOutcome' });
    expect((await t.request.get('/fhir/Patient?_summary=count')).body.total).toBe(before);
  });
});
