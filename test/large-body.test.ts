/**
 * Large request bodies with a declared length are read into one buffer of that size (http/body.ts
 * readInto) instead of by body-parser: the same answers, whether the body comes whole, in a chunked
 * stream (body-parser), or stops short.
 */
import http from 'node:http';
import type { Bundle } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';

/** A transaction of `count` Patients with a long name each: about `count` KB. */
function bundleOf(count: number, tag: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: count }, (_, i) => ({
      resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test:large-body', value: `${tag}-${i}` }], name: [{ text: `Zoë ✓ ${'x'.repeat(900)}` }] },
      request: { method: 'POST', url: 'Patient' },
    })),
  } as Bundle;
}

/** Sends `body` with `headers` over a raw connection; resolves with the status, or undefined if the connection ended first. */
function send(origin: string, body: Buffer, headers: Record<string, string>, options: { stopAfter?: number } = {}): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/fhir`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', (err) => (options.stopAfter === undefined ? reject(err) : resolve(undefined)));
    if (options.stopAfter === undefined) return req.end(body);
    req.write(body.subarray(0, options.stopAfter), () => setTimeout(() => req.destroy(), 100));
  });
}

describe('large request bodies (http/body.ts)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const count = async (tag: string) => (await t.request.get(`/fhir/Patient?identifier=urn:test:large-body|${tag}-0&_summary=count`)).body.total as number;

  it('reads a body of a declared length into one buffer and processes it', async () => {
    const body = Buffer.from(JSON.stringify(bundleOf(1500, 'declared')));
    expect(body.length).toBeGreaterThan(1 << 20);
    expect(await send(t.origin, body, { 'content-type': FHIR, 'content-length': String(body.length) })).toBe(200);
    expect(await count('declared')).toBe(1);
    const all = await t.request.get('/fhir/Patient?identifier=urn:test:large-body|&_summary=count');
    expect(all.body.total).toBe(1500);
  });

  it('reads a chunked body of the same size through body-parser, with the same outcome', async () => {
    const body = Buffer.from(JSON.stringify(bundleOf(1500, 'chunked')));
    expect(await send(t.origin, body, { 'content-type': FHIR, 'transfer-encoding': 'chunked' })).toBe(200);
    expect(await count('chunked')).toBe(1);
  });

  it('stores nothing of a body that stops short, and goes on serving', async () => {
    const body = Buffer.from(JSON.stringify(bundleOf(1500, 'short')));
    const status = await send(t.origin, body, { 'content-type': FHIR, 'content-length': String(body.length) }, { stopAfter: body.length >> 1 });
    expect(status).toBeUndefined();
    expect(await count('short')).toBe(0);
    expect((await t.request.get('/fhir/metadata')).status).toBe(200);
  });

  it('refuses a declared length over the limit before reading, as body-parser does', async () => {
    const body = Buffer.from(JSON.stringify(bundleOf(1500, 'over')));
    const small = await startTestApp({ maxBodyBytes: 1 << 20 });
    try {
      const res = await small.request.post('/fhir').set('Content-Type', FHIR).send(body);
      expect(res.status).toBe(413);
      expect(res.body.resourceType).toBe('OperationOutcome');
    } finally {
      await small.close();
    }
  });
});
