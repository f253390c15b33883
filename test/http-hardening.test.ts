/**
 * Hardening of the HTTP edge (src/http/hardening): security headers on every kind of answer, the
 * CORS allow-list (RELAY_CORS_ORIGINS) and the per-client rate limit (RELAY_RATE_LIMIT).
 */
import http from 'node:http';
import { ConfigError, loadConfig } from '../src/config';
import { TokenBuckets } from '../src/http/hardening/rate-limit';
import { startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer, tokenRequest } from './helpers/auth';

const APP = 'https://app.example.org';
const OTHER = 'https://evil.example.net';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

type Headers = Record<string, string | string[] | undefined>;

function expectSecurityHeaders(headers: Headers, https = false): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['content-security-policy']).toMatch(/^default-src 'none';\s*frame-ancestors 'none'$/);
  if (https) expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
  else expect(headers['strict-transport-security']).toBeUndefined();
}

function issueCode(body: unknown): string | undefined {
  const outcome = body as { resourceType?: string; issue?: { code: string }[] };
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome.issue?.[0]?.code;
}

/** A raw request with one header too large for Node (answered by answerClientErrors, outside Express). */
function oversizedHead(origin: string): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}/fhir/metadata`, { headers: { 'x-filler': 'a'.repeat(20_000) } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
  });
}

describe('security headers', () => {
  let open: TestApp;
  let smart: TestApp;
  beforeAll(async () => {
    open = await startTestApp();
    smart = await startTestApp({ auth: 'smart' });
  });
  afterAll(async () => {
    await open?.close();
    await smart?.close();
  });

  it('are on success, error, /healthz and unknown-path answers', async () => {
    const ok = await open.request.get('/fhir/metadata');
    expect(ok.status).toBe(200);
    expectSecurityHeaders(ok.headers);
    const missing = await open.request.get('/fhir/Patient/does-not-exist');
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing.headers);
    const invalid = await open.request.post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send('{ not json');
    expect(invalid.status).toBe(400);
    expectSecurityHeaders(invalid.headers);
    const health = await open.request.get('/healthz');
    expect(health.status).toBe(200);
    expectSecurityHeaders(health.headers);
    const nowhere = await open.request.get('/nowhere');
    expect(nowhere.status).toBe(404);
    expectSecurityHeaders(nowhere.headers);
  });

  it('are on /auth answers (token errors keep Cache-Control: no-store) and on 401s', async () => {
    const token = await tokenRequest(smart, { grant_type: 'password' });
    expect(token.status).toBe(400);
    expect(token.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(token.headers);
    const jwks = await smart.request.get('/auth/jwks.json');
    expect(jwks.status).toBe(200);
    expectSecurityHeaders(jwks.headers);
    const unauthorized = await smart.request.get('/fhir/Patient');
    expect(unauthorized.status).toBe(401);
    expectSecurityHeaders(unauthorized.headers);
  });

  it('leave a Binary download its own Content-Type', async () => {
    const created = await open.request.post('/fhir/Binary').set('Content-Type', 'image/png').send(PNG);
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const download = await open.request.get(`/fhir/Binary/${id}`).set('Accept', 'image/png').buffer(true);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(download.body as Buffer, PNG)).toBe(0);
    expectSecurityHeaders(download.headers);
  });

  it('are on the answer Node gives to a head over 16 KB (431)', async () => {
    const res = await oversizedHead(open.origin);
    expect(res.status).toBe(431);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('include Strict-Transport-Security only when the base URL is https', async () => {
    const https = await startTestApp({ baseUrl: 'https://relay.example.org/fhir' });
    try {
      expectSecurityHeaders((await https.request.get('/fhir/metadata')).headers, true);
      expectSecurityHeaders((await https.request.get('/healthz')).headers, true);
    } finally {
      await https.close();
    }
  });
});

describe('CORS allow-list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart', corsOrigins: [APP] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers an allowed origin with its origin, Vary: Origin and the exposed headers', async () => {
    const res = await t.request.get('/fhir/Patient').set('Origin', APP).set(bearer(await accessToken(t)));
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers.vary).toMatch(/Origin/);
    const exposed = (res.headers['access-control-expose-headers'] as string).split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['Location', 'ETag', 'Last-Modified', 'Content-Location', 'X-Request-Id', 'Content-Range', 'WWW-Authenticate']));
    expectSecurityHeaders(res.headers);
  });

  it('lets an allowed origin read a 401 (with WWW-Authenticate)', async () => {
    const res = await t.request.get('/fhir/Patient').set('Origin', APP);
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('answers an allowed preflight 204 without a token, with the methods and headers', async () => {
    const res = await t.request
      .options('/fhir/Patient/1')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'authorization, content-type, if-match');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toMatch(/\bPUT\b/);
    const allowed = (res.headers['access-control-allow-headers'] as string).split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining(['Authorization', 'Content-Type', 'If-Match', 'If-None-Exist', 'If-None-Match', 'If-Modified-Since', 'Prefer', 'X-Request-Id', 'Range']),
    );
    expect(res.headers['access-control-max-age']).toBeDefined();
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('refuses a disallowed origin with 403 and no CORS headers, preflight or not', async () => {
    const preflight = await t.request.options('/fhir/Patient').set('Origin', OTHER).set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(issueCode(JSON.parse(preflight.text))).toBe('forbidden');
    const simple = await t.request.get('/fhir/Patient').set('Origin', OTHER).set(bearer(await accessToken(t)));
    expect(simple.status).toBe(403);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    expect(simple.headers['access-control-expose-headers']).toBeUndefined();
    expect(issueCode(simple.body)).toBe('forbidden');
  });

  it('leaves requests without Origin alone', async () => {
    const res = await t.request.get('/fhir/metadata');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('with no origins configured, sends no CORS headers and refuses web origins', async () => {
    const plain = await startTestApp();
    try {
      expect(plain.config.corsOrigins).toEqual([]);
      const simple = await plain.request.post('/fhir/Binary').set('Origin', APP).set('Content-Type', 'text/plain').send('drive-by');
      expect(simple.status).toBe(403);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await plain.request.options('/fhir/Patient').set('Origin', APP).set('Access-Control-Request-Method', 'GET');
      expect(preflight.status).toBe(403);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const curl = await plain.request.get('/fhir/metadata');
      expect(curl.status).toBe(200);
      expect(curl.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await plain.close();
    }
  });

  it('with *, answers any origin with Access-Control-Allow-Origin: *', async () => {
    const any = await startTestApp({ auth: 'smart', corsOrigins: ['*'] });
    try {
      const res = await any.request.get('/fhir/Patient').set('Origin', OTHER).set(bearer(await accessToken(any)));
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      const preflight = await any.request.options('/fhir/Patient').set('Origin', OTHER).set('Access-Control-Request-Method', 'POST');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
    } finally {
      await any.close();
    }
  });

  it('reads RELAY_CORS_ORIGINS: normalised origins; paths, bad schemes and * with open refused', () => {
    expect(loadConfig({ RELAY_CORS_ORIGINS: ' HTTPS://App.Example.org:443/ , http://localhost:3000' }).corsOrigins).toEqual([APP, 'http://localhost:3000']);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ RELAY_AUTH: 'smart', RELAY_CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    for (const bad of ['https://app.example.org/path', 'ftp://app.example.org', 'app.example.org', `*,${APP}`]) {
      expect(() => loadConfig({ RELAY_AUTH: 'smart', RELAY_CORS_ORIGINS: bad })).toThrow(/^RELAY_CORS_ORIGINS: /);
    }
    expect(() => loadConfig({ RELAY_CORS_ORIGINS: '*' })).toThrow(ConfigError);
  });
});

describe('rate limit', () => {
  const LIMIT = 3;
  let t: TestApp;
  let offsetMs = 0;
  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart', rateLimit: LIMIT });
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  const search = (token: string) => t.request.get('/fhir/Patient').set(bearer(token));

  it('answers the request after the limit 429 with Retry-After and a throttled OperationOutcome, per client, and recovers', async () => {
    const a = await accessToken(t, { sub: 'client-a' });
    const b = await accessToken(t, { sub: 'client-b' });
    for (let i = 0; i < LIMIT; i++) expect((await search(a)).status).toBe(200);
    const refused = await search(a);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe(String(60 / LIMIT));
    expect(issueCode(refused.body)).toBe('throttled');
    expect(refused.headers['x-request-id']).toBeDefined();
    expectSecurityHeaders(refused.headers);
    // Another client has its own budget.
    for (let i = 0; i < LIMIT; i++) expect((await search(b)).status).toBe(200);
    expect((await search(b)).status).toBe(429);
    // One token back after 60 / LIMIT seconds, the whole budget after a minute.
    offsetMs += 20_000;
    expect((await search(a)).status).toBe(200);
    expect((await search(a)).status).toBe(429);
    offsetMs += 61_000;
    for (let i = 0; i < LIMIT; i++) expect((await search(a)).status).toBe(200);
    expect((await search(a)).status).toBe(429);
  });

  it('counts requests without a token per remote address, and exempts /healthz', async () => {
    offsetMs += 61_000;
    for (let i = 0; i < LIMIT; i++) expect((await t.request.get('/fhir/metadata')).status).toBe(200);
    const refused = await t.request.get('/fhir/metadata');
    expect(refused.status).toBe(429);
    expect(issueCode(refused.body)).toBe('throttled');
    for (let i = 0; i < LIMIT * 3; i++) expect((await t.request.get('/healthz')).status).toBe(200);
    // A client with a token is not held back by its address.
    expect((await search(await accessToken(t, { sub: 'client-c' }))).status).toBe(200);
  });

  it('limits /auth/token per remote address, answering in RFC 6749 JSON', async () => {
    offsetMs += 61_000;
    for (let i = 0; i < LIMIT; i++) expect((await tokenRequest(t, { grant_type: 'client_credentials' })).status).toBe(400);
    const refused = await tokenRequest(t, { grant_type: 'client_credentials' });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe(String(60 / LIMIT));
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.body).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('is off by default in open mode and 1200 per minute by default in smart mode', () => {
    expect(loadConfig({}).rateLimit).toBe(0);
    expect(loadConfig({ RELAY_AUTH: 'smart' }).rateLimit).toBe(1200);
    expect(loadConfig({ RELAY_AUTH: 'smart', RELAY_RATE_LIMIT: '0' }).rateLimit).toBe(0);
    expect(loadConfig({ RELAY_RATE_LIMIT: '60' }).rateLimit).toBe(60);
    expect(() => loadConfig({ RELAY_RATE_LIMIT: 'fast' })).toThrow(/^RELAY_RATE_LIMIT: /);
  });

  it('token buckets: a burst of the limit, then one per 60 / limit seconds, and Retry-After rounds up', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, () => now);
    expect([buckets.take('k'), buckets.take('k'), buckets.take('k')]).toEqual([0, 0, 30]);
    now = 15_000;
    expect(buckets.take('k')).toBe(15);
    now = 30_000;
    expect(buckets.take('k')).toBe(0);
    expect(buckets.take('other')).toBe(0);
  });
});
