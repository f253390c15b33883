/**
 * Binary and Media over the HTTP API with small files: raw and JSON uploads, the two read forms,
 * ranges, conditional reads, limits, PATCH, Bundles, attachment integrity and inline-data extraction.
 * (Large files, the sniffing matrix, aborts and retention are in the binary acceptance tests.)
 */
import { createHash } from 'node:crypto';
import { startTestApp, TEST_BASE_URL, type TestApp } from './helpers/test-app';
import http from 'node:http';
import { blobFiles, get, send, tmpFiles, waitFor, type Answer } from './helpers/binary-files';
import type { CurrentDoc } from '../src/repository/documents';

const FHIR = 'application/fhir+json';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('base64');
const json = (body: unknown) => Buffer.from(JSON.stringify(body));

function expectStatus(res: Answer, status: number): Answer {
  if (res.status !== status) throw new Error(`expected HTTP ${status}, got ${res.status}: ${res.body.toString('utf8').slice(0, 400)}`);
  return res;
}

/** The first error issue's code, expression and text. */
function problem(res: Answer): { code?: string; expression?: string[]; text: string } {
  const issue = ((res.json?.issue ?? []) as { severity: string; code: string; expression?: string[]; details?: { text?: string } }[]).find((i) => i.severity === 'error');
  return { code: issue?.code, expression: issue?.expression, text: issue?.details?.text ?? '' };
}

describe('Binary over HTTP', () => {
  let t: TestApp;
  const post = (body: Buffer, contentType: string) => send(t.origin, 'POST', '/fhir/Binary', body, { 'content-type': contentType });
  const postJson = (path: string, resource: unknown) => send(t.origin, 'POST', path, json(resource), { 'content-type': FHIR });
  const storedDoc = (type: string, id: string) => t.store.collection<CurrentDoc>(type).findOne({ _id: id });

  beforeAll(async () => {
    t = await startTestApp({ binaryInlineMaxBytes: 1024, attachmentInlineMaxBytes: 1024 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a Binary from a raw body: 201, Location, the resource without data, and keeps only hashes in the database', async () => {
    const res = expectStatus(await post(PNG, 'image/png'), 201);
    const id = res.json?.id as string;
    expect(res.headers.location).toBe(`${TEST_BASE_URL}/Binary/${id}/_history/1`);
    expect(res.json).toEqual({ resourceType: 'Binary', id, meta: { versionId: '1', lastUpdated: expect.any(String) }, contentType: 'image/png' });
    const doc = await storedDoc('Binary', id);
    expect(doc?.resource).not.toHaveProperty('data');
    expect(doc?.blob).toEqual({ sha256: createHash('sha256').update(PNG).digest('hex'), sha1: sha1(PNG), size: PNG.length });
  });

  it('reads the raw content by default and the resource with base64 data for FHIR JSON; 406 for another type', async () => {
    const id = expectStatus(await post(PNG, 'image/png'), 201).json?.id as string;
    const raw = expectStatus(await get(t.origin, `/fhir/Binary/${id}`, { accept: 'image/png' }), 200);
    expect(raw.headers['content-type']).toBe('image/png');
    expect(raw.headers['x-content-type-options']).toBe('nosniff');
    expect(raw.body.equals(PNG)).toBe(true);
    const resource = expectStatus(await get(t.origin, `/fhir/Binary/${id}`, { accept: FHIR }), 200);
    expect(resource.json).toMatchObject({ resourceType: 'Binary', id, contentType: 'image/png', data: PNG.toString('base64') });
    const refused = expectStatus(await get(t.origin, `/fhir/Binary/${id}`, { accept: 'video/mp4' }), 406);
    expect(refused.json?.resourceType).toBe('OperationOutcome');
  });

  it('answers HEAD with the headers of the content and no body', async () => {
    const id = expectStatus(await post(PNG, 'image/png'), 201).json?.id as string;
    const head = expectStatus(await send(t.origin, 'HEAD', `/fhir/Binary/${id}`, undefined), 200);
    expect(head.headers['content-length']).toBe(String(PNG.length));
    expect(head.body.length).toBe(0);
  });

  it('serves a range (206) and refuses an unsatisfiable one (416 with Content-Range)', async () => {
    const id = expectStatus(await post(PNG, 'image/png'), 201).json?.id as string;
    const part = expectStatus(await get(t.origin, `/fhir/Binary/${id}`, { range: 'bytes=2-5' }), 206);
    expect(part.headers['content-range']).toBe(`bytes 2-5/${PNG.length}`);
    expect(part.body.equals(PNG.subarray(2, 6))).toBe(true);
    const none = expectStatus(await get(t.origin, `/fhir/Binary/${id}`, { range: `bytes=${PNG.length}-` }), 416);
    expect(none.headers['content-range']).toBe(`bytes */${PNG.length}`);
    expect(none.json?.resourceType).toBe('OperationOutcome');
  });

  it('answers If-None-Match with the current ETag with 304, raw or as FHIR JSON', async () => {
    const id = expectStatus(await post(PNG, 'image/png'), 201).json?.id as string;
    expectStatus(await get(t.origin, `/fhir/Binary/${id}`, { 'if-none-match': 'W/"1"' }), 304);
    expectStatus(await get(t.origin, `/fhir/Binary/${id}`, { 'if-none-match': 'W/"1"', accept: FHIR }), 304);
  });

  it('replaces content with a raw PUT as a new version; vread serves each version', async () => {
    const id = expectStatus(await post(Buffer.from('first'), 'text/plain'), 201).json?.id as string;
    const put = expectStatus(await send(t.origin, 'PUT', `/fhir/Binary/${id}`, Buffer.from('second'), { 'content-type': 'text/plain' }), 200);
    expect(put.headers.etag).toBe('W/"2"');
    expect((await get(t.origin, `/fhir/Binary/${id}`)).body.toString()).toBe('second');
    expect((await get(t.origin, `/fhir/Binary/${id}/_history/1`)).body.toString()).toBe('first');
    // The same content again makes no new version.
    const same = expectStatus(await send(t.origin, 'PUT', `/fhir/Binary/${id}`, Buffer.from('second'), { 'content-type': 'text/plain' }), 200);
    expect(same.headers.etag).toBe('W/"2"');
  });

  it('creates a Binary at a client id with a raw PUT (201)', async () => {
    const res = expectStatus(await send(t.origin, 'PUT', '/fhir/Binary/photo-1', PNG, { 'content-type': 'image/png' }), 201);
    expect(res.json?.id).toBe('photo-1');
  });

  it('stores a JSON Binary with base64 data in the blob store, not in the database', async () => {
    const res = expectStatus(await postJson('/fhir/Binary', { resourceType: 'Binary', contentType: 'image/png', data: PNG.toString('base64') }), 201);
    expect(res.json).not.toHaveProperty('data');
    const doc = await storedDoc('Binary', res.json?.id as string);
    expect(doc?.resource).not.toHaveProperty('data');
    expect(doc?.blob?.size).toBe(PNG.length);
    expect((await get(t.origin, `/fhir/Binary/${res.json?.id}`)).body.equals(PNG)).toBe(true);
  });

  it('refuses content whose bytes do not match its declared type with 422 at Binary.contentType', async () => {
    const res = expectStatus(await post(Buffer.from('GIF89a, not a PNG at all'), 'image/png'), 422);
    expect(problem(res)).toMatchObject({ code: 'invalid', expression: ['Binary.contentType'] });
    expect(problem(res).text).toContain('image/png');
  });

  it('refuses PATCH of a Binary with 400', async () => {
    const id = expectStatus(await post(PNG, 'image/png'), 201).json?.id as string;
    const res = await send(t.origin, 'PATCH', `/fhir/Binary/${id}`, json([{ op: 'replace', path: '/contentType', value: 'image/jpeg' }]), { 'content-type': 'application/json-patch+json' });
    expect(problem(expectStatus(res, 400)).text).toContain('PUT');
  });

  it('answers a Binary read inside a batch with the Binary resource', async () => {
    const id = expectStatus(await post(PNG, 'image/png'), 201).json?.id as string;
    const res = expectStatus(await postJson('/fhir', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Binary/${id}` } }] }), 200);
    const entry = (res.json?.entry as { resource?: { resourceType: string; data?: string }; response: { status: string } }[])[0];
    expect(entry.response.status).toBe('200 OK');
    expect(entry.resource).toMatchObject({ resourceType: 'Binary', data: PNG.toString('base64') });
  });
});

describe('Binary upload limit over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ maxUploadBytes: 2048 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a raw body and base64 data over RELAY_MAX_UPLOAD with 413', async () => {
    const big = Buffer.alloc(4096, 1);
    const raw = expectStatus(await send(t.origin, 'POST', '/fhir/Binary', big, { 'content-type': 'application/octet-stream' }), 413);
    expect(problem(raw).text).toContain('RELAY_MAX_UPLOAD');
    const data = { resourceType: 'Binary', contentType: 'application/octet-stream', data: big.toString('base64') };
    expectStatus(await send(t.origin, 'POST', '/fhir/Binary', json(data), { 'content-type': FHIR }), 413);
  });
});

describe('an aborted upload over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('leaves no Binary, no content and no temporary file, and logs no server error', async () => {
    const req = http.request(`${t.origin}/fhir/Binary`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': '1000000' } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(300_000, 3));
    await waitFor('the upload to reach blobs/tmp', async () => (await tmpFiles(t.dataDir)).length > 0);
    req.destroy();
    await waitFor('blobs/tmp to be empty', async () => (await tmpFiles(t.dataDir)).length === 0);
    expect(await blobFiles(t.dataDir)).toEqual([]);
    expect((await get(t.origin, '/fhir/Binary?_summary=count')).json?.total).toBe(0);
    expect(t.logged).toEqual([]);
  });
});

describe('content of earlier versions after the retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ blobRetentionMs: 0, blobSweepMs: 20 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 410 to a vread whose content was removed, and serves the current content', async () => {
    const id = expectStatus(await send(t.origin, 'POST', '/fhir/Binary', Buffer.from('old'), { 'content-type': 'text/plain' }), 201).json?.id as string;
    expectStatus(await send(t.origin, 'PUT', `/fhir/Binary/${id}`, Buffer.from('new'), { 'content-type': 'text/plain' }), 200);
    await waitFor('the old content to be swept', async () => (await blobFiles(t.dataDir)).length === 1);
    const old = expectStatus(await get(t.origin, `/fhir/Binary/${id}/_history/1`), 410);
    expect(problem(old).text).toContain('RELAY_BLOB_RETENTION');
    expect((await get(t.origin, `/fhir/Binary/${id}`)).body.toString()).toBe('new');
  });
});

describe('Attachment integrity', () => {
  let t: TestApp;
  let binaryId: string;
  const postJson = (path: string, resource: unknown) => send(t.origin, 'POST', path, json(resource), { 'content-type': FHIR });
  const media = (content: Record<string, unknown>) => ({ resourceType: 'Media', status: 'completed', content });

  beforeAll(async () => {
    t = await startTestApp({ attachmentInlineMaxBytes: 1024, blobRetentionMs: 0, blobSweepMs: 50 });
    binaryId = expectStatus(await send(t.origin, 'POST', '/fhir/Binary', PNG, { 'content-type': 'image/png' }), 201).json?.id as string;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('fills in size and hash of an attachment that links a Binary, relative or absolute', async () => {
    for (const url of [`Binary/${binaryId}`, `${TEST_BASE_URL}/Binary/${binaryId}`]) {
      const res = expectStatus(await postJson('/fhir/Media', media({ contentType: 'image/png', url })), 201);
      expect(res.json?.content).toEqual({ contentType: 'image/png', url, size: PNG.length, hash: sha1(PNG) });
    }
  });

  it('accepts size and hash that agree, and refuses ones that do not with 422 at the element', async () => {
    expectStatus(await postJson('/fhir/Media', media({ url: `Binary/${binaryId}`, size: PNG.length, hash: sha1(PNG) })), 201);
    const size = expectStatus(await postJson('/fhir/Media', media({ url: `Binary/${binaryId}`, size: 1 })), 422);
    expect(problem(size).expression).toEqual(['Media.content.size']);
    const doc = { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { url: `Binary/${binaryId}`, hash: sha1(Buffer.from('other')) } }] };
    const hash = expectStatus(await postJson('/fhir/DocumentReference', doc), 422);
    expect(problem(hash).expression).toEqual(['DocumentReference.content[0].attachment.hash']);
  });

  it('refuses a link to a Binary that does not exist with 422 at the url', async () => {
    const report = { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'skin' }, presentedForm: [{ url: 'Binary/nope' }] };
    const res = expectStatus(await postJson('/fhir/DiagnosticReport', report), 422);
    expect(problem(res).expression).toEqual(['DiagnosticReport.presentedForm[0].url']);
  });

  it('checks attachments on update and in transactions too', async () => {
    const id = expectStatus(await postJson('/fhir/Media', media({ url: `Binary/${binaryId}` })), 201).json?.id as string;
    const put = await send(t.origin, 'PUT', `/fhir/Media/${id}`, json({ ...media({ url: `Binary/${binaryId}`, size: 3 }), id }), { 'content-type': FHIR });
    expect(problem(expectStatus(put, 422)).expression).toEqual(['Media.content.size']);
    const tx = {
      resourceType: 'Bundle',
      type: 'transaction',
      // The Media comes first: Binary creates run first in a transaction, so its link can be checked.
      entry: [
        { resource: media({ url: 'urn:uuid:7c4a2f5e-0000-4000-8000-000000000001' }), request: { method: 'POST', url: 'Media' } },
        { fullUrl: 'urn:uuid:7c4a2f5e-0000-4000-8000-000000000001', resource: { resourceType: 'Binary', contentType: 'image/png', data: PNG.toString('base64') }, request: { method: 'POST', url: 'Binary' } },
      ],
    };
    const res = expectStatus(await postJson('/fhir', tx), 200);
    const created = (res.json?.entry as { resource: { content: { url: string; size: number; hash: string } } }[])[0].resource;
    expect(created.content).toMatchObject({ url: expect.stringMatching(/^Binary\//), size: PNG.length, hash: sha1(PNG) });
  });

  it('moves inline data over the limit into a Binary, and keeps small inline data', async () => {
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 65)]);
    const report = { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'report' }, presentedForm: [{ contentType: 'application/pdf', data: big.toString('base64') }, { contentType: 'text/plain', data: 'c21hbGw=' }] };
    const res = expectStatus(await postJson('/fhir/DiagnosticReport', report), 201);
    const [moved, kept] = res.json?.presentedForm as { url?: string; data?: string; size?: number; hash?: string }[];
    expect(moved).toEqual({ contentType: 'application/pdf', url: expect.stringMatching(/^Binary\/[A-Za-z0-9\-.]+$/), size: big.length, hash: sha1(big) });
    expect(kept).toEqual({ contentType: 'text/plain', data: 'c21hbGw=' });
    const raw = expectStatus(await get(t.origin, `/fhir/${moved.url}`), 200);
    expect(raw.headers['content-type']).toBe('application/pdf');
    expect(raw.body.equals(big)).toBe(true);
  });

  it('finds Media by its search parameters with Binary-linked content', async () => {
    const res = expectStatus(await postJson('/fhir/Media', { ...media({ url: `Binary/${binaryId}` }), basedOn: [{ reference: 'ServiceRequest/sr-1' }], modality: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'XC' }] } }), 201);
    const found = expectStatus(await get(t.origin, '/fhir/Media?based-on=ServiceRequest/sr-1&modality=XC'), 200);
    expect((found.json?.entry as { resource: { id: string } }[]).map((e) => e.resource.id)).toEqual([res.json?.id]);
  });
});
