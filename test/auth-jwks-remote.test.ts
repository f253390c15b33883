/**
 * An external token issuer whose keys are at a JWKS URL (RELAY_AUTH_ISSUERS with `jwksUri`; README
 * "Tokens Relay accepts"): the key set is fetched from a local HTTP server on 127.0.0.1 (no other
 * network), cached, and fetched again for a kid it does not hold, as jose's createRemoteJWKSet does:
 * at most once per cooldown (30 s), so a flood of unknown kids cannot hammer the issuer.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { makeDataDir, startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer, keyPair, type KeyPair } from './helpers/auth';
import { eventFor, summary } from './helpers/audit';
import { readIssuersFile } from '../src/auth/issuers-file';

const IDP = 'https://idp.example.org';
/** jose's createRemoteJWKSet default cooldownDuration: no refetch sooner after the last fetch. */
const COOLDOWN_MS = 30_000;

let t: TestApp;
let dir: string;
let idp: http.Server;
/** The keys the issuer publishes now (rotation replaces them). */
let published: JWK[] = [];
/** How many times Relay fetched the JWKS. */
let fetches = 0;
let first: KeyPair;

beforeAll(async () => {
  first = await keyPair('RS256');
  published = [first.publicJwk];
  idp = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const { port } = idp.address() as { port: number };
  dir = await makeDataDir();
  const file = path.join(dir, 'issuers.json');
  await fs.writeFile(file, JSON.stringify([{ issuer: IDP, jwksUri: `http://127.0.0.1:${port}/jwks.json` }]));
  t = await startTestApp({ auth: 'smart', authIssuers: readIssuersFile(file) });
});

afterAll(async () => {
  jest.restoreAllMocks();
  await t?.close();
  await new Promise<void>((resolve) => idp.close(() => resolve()));
  await fs.rm(dir, { recursive: true, force: true });
});

/** An access token of the external issuer signed with `key` (or naming `kid`). */
const idpToken = (key: KeyPair, kid?: string) => accessToken(t, { key, kid, iss: IDP, sub: 'idp-app', scope: 'system/Patient.rs' });

describe('an external issuer with a remote JWKS (jwksUri)', () => {
  it('accepts a token signed with a key of the fetched JWKS, fetching it once and caching it', async () => {
    expect(fetches).toBe(0);
    await t.request.get('/fhir/Patient').set(bearer(await idpToken(first))).expect(200);
    expect(fetches).toBe(1);
    await t.request.get('/fhir/Patient').set(bearer(await idpToken(first))).expect(200);
    expect(fetches).toBe(1);
  });

  it('refuses a token naming a kid the issuer does not publish with 401, recorded as denied', async () => {
    const stranger = await keyPair('ES256', 'not-published');
    const id = randomUUID();
    const res = await t.request.get('/fhir/Patient').set(bearer(await idpToken(stranger))).set('X-Request-Id', id);
    expect(res.status).toBe(401);
    expect(res.body.issue[0]).toMatchObject({ severity: 'error', code: 'login', diagnostics: 'the issuer has no key with kid "not-published"' });
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    const e = await eventFor(t, id);
    expect(summary(e)).toEqual({ action: 'E', subtype: ['search-type'], outcome: '4', entities: [] });
    expect(e.outcomeDesc).toBe('401 the issuer has no key with kid "not-published"');
    expect(e.agent?.[0].who).toEqual({ display: 'an unauthenticated caller' });
    // Within the cooldown after the last fetch an unknown kid does not make Relay fetch again.
    expect(fetches).toBe(1);
  });

  it('picks up a rotated key: an unknown kid is fetched again once the cooldown has passed', async () => {
    const rotated = await keyPair('ES256');
    published = [rotated.publicJwk];
    const token = await idpToken(rotated);
    // Still within the cooldown: the cached set, without the new kid, answers.
    expect((await t.request.get('/fhir/Patient').set(bearer(token))).status).toBe(401);
    expect(fetches).toBe(1);
    // The clock moves past the cooldown (jose reads Date.now); the token itself stays valid.
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + COOLDOWN_MS + 1_000);
    await t.request.get('/fhir/Patient').set(bearer(token)).expect(200);
    expect(fetches).toBe(2);
    // The retired key is gone from the fetched set: a new token signed with it is refused.
    const retired = await t.request.get('/fhir/Patient').set(bearer(await idpToken(first)));
    expect(retired.status).toBe(401);
    expect(retired.body.issue[0].diagnostics).toBe(`the issuer has no key with kid "${first.kid}"`);
    jest.restoreAllMocks();
  });
});
