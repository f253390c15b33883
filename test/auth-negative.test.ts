/**
 * SMART auth, the negative suite: every request below is refused with 401 (RFC 6750: WWW-Authenticate
 * and an OperationOutcome coded `login`) or 403 (OperationOutcome coded `forbidden`, naming the scope
 * needed), and the token endpoint refuses bad client assertions with RFC 6749 errors.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { startTestApp, TEST_BASE_URL, type TestApp } from './helpers/test-app';
import { accessToken, backendForm, bearer, clientAssertion, handMadeJwt, keyPair, tokenRequest, validClaims, writeJwks, type KeyPair } from './helpers/auth';
import { loadSigningKey } from '../src/auth/server/keys';
import { runClientsCommand } from '../src/auth/cli/clients';

let t: TestApp;
let patientId: string;
let observationId: string;
let client: KeyPair;

beforeAll(async () => {
  t = await startTestApp({ auth: 'smart' });
  const admin = await accessToken(t, { scope: 'system/*.cruds' });
  patientId = (await t.request.post('/fhir/Patient').set(bearer(admin)).send({ resourceType: 'Patient', name: [{ family: 'Lovelace' }] }).expect(201)).body.id;
  observationId = (
    await t.request
      .post('/fhir/Observation')
      .set(bearer(admin))
      .send({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${patientId}` } })
      .expect(201)
  ).body.id;
  client = await keyPair('ES384');
  const jwks = await writeJwks(t.dataDir, 'client-jwks.json', [client.publicJwk]);
  expect(runClientsCommand(['add', '--id', 'clinic-app', '--jwks', jwks, '--scopes', 'system/Patient.rs system/Observation.read'], t.dataDir, () => undefined)).toBe(0);
});

afterAll(() => t.close());

function expectLogin(res: { status: number; body: OperationOutcome; headers: Record<string, string> }, error: 'invalid_token' | 'invalid_request', reason: RegExp) {
  expect(res.status).toBe(401);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue?.[0]).toMatchObject({ severity: 'error', code: 'login' });
  expect(res.body.issue?.[0].diagnostics).toMatch(reason);
  expect(res.headers['www-authenticate']).toMatch(new RegExp(`^Bearer realm="[^"]+", error="${error}", error_description="[^"]+"$`));
}

function expectForbidden(res: { status: number; body: OperationOutcome }, scope: RegExp) {
  expect(res.status).toBe(403);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue?.[0]).toMatchObject({ severity: 'error', code: 'forbidden' });
  expect(res.body.issue?.[0].diagnostics).toMatch(scope);
}

describe('requests without a usable token get 401 with an OperationOutcome and a Bearer challenge', () => {
  it('refuses a request without a token (invalid_request)', async () => {
    expectLogin(await t.request.get(`/fhir/Patient/${patientId}`), 'invalid_request', /no access token/);
  });

  it('refuses an Authorization header of another scheme', async () => {
    expectLogin(await t.request.get('/fhir/Patient').set('Authorization', 'Basic dXNlcjpwYXNz'), 'invalid_request', /Bearer <token>/);
  });

  it('refuses a malformed token', async () => {
    expectLogin(await t.request.get('/fhir/Patient').set(bearer('not.a.jwt')), 'invalid_token', /well-formed/);
  });

  it('refuses an expired token', async () => {
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(await accessToken(t, { exp: -120 }))), 'invalid_token', /expired/);
  });

  it('refuses a token that is not yet valid', async () => {
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(await accessToken(t, { nbf: 600 }))), 'invalid_token', /not yet valid/);
  });

  it('refuses a token from an unknown issuer', async () => {
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(await accessToken(t, { iss: 'https://evil.example.org/auth' }))), 'invalid_token', /issuer .* not trusted/);
  });

  it('refuses a token for another audience', async () => {
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(await accessToken(t, { aud: 'https://other.example.org/fhir' }))), 'invalid_token', new RegExp(`aud must be ${TEST_BASE_URL}`));
  });

  it('refuses a token whose signature does not verify (another key, Relay kid)', async () => {
    const forger = await keyPair('ES256');
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(await accessToken(t, { key: forger, kid: loadSigningKey(t.dataDir).kid }))), 'invalid_token', /signature does not verify/);
  });

  it('refuses a token with a tampered payload', async () => {
    const [h, , s] = (await accessToken(t, { scope: 'system/Patient.r' })).split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify(validClaims('system/*.cruds'))).toString('base64url')}.${s}`;
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(forged)), 'invalid_token', /signature does not verify/);
  });

  it('refuses alg none', async () => {
    const token = handMadeJwt({ alg: 'none', typ: 'JWT' }, validClaims(), () => '');
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(token)), 'invalid_token', /algorithm "none" is not accepted/);
  });

  it("refuses an HS256 token signed with Relay's public key as the HMAC secret", async () => {
    const key = loadSigningKey(t.dataDir);
    const secret = JSON.stringify(key.publicJwk);
    const token = handMadeJwt({ alg: 'HS256', kid: key.kid }, validClaims(), (input) => createHmac('sha256', secret).update(input).digest('base64url'));
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(token)), 'invalid_token', /algorithm "HS256" is not accepted/);
  });

  it('refuses an algorithm outside the allow-list (RS512)', async () => {
    const token = handMadeJwt({ alg: 'RS512', kid: 'x' }, validClaims(), () => 'c2ln');
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(token)), 'invalid_token', /"RS512" is not accepted/);
  });

  it('refuses a token naming an unknown kid', async () => {
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(await accessToken(t, { kid: 'no-such-key' }))), 'invalid_token', /no key with kid "no-such-key"/);
  });

  it('refuses a token from an external issuer that is not configured', async () => {
    const idp = await keyPair('RS256');
    const token = await accessToken(t, { key: idp, iss: 'https://idp.example.org' });
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(token)), 'invalid_token', /https:\/\/idp\.example\.org.* not trusted/);
  });

  it('refuses a token without sub', async () => {
    const key = loadSigningKey(t.dataDir);
    const { sub: _sub, ...claims } = validClaims();
    const { SignJWT } = await import('jose');
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
    expectLogin(await t.request.get('/fhir/Patient').set(bearer(token)), 'invalid_token', /no sub claim/);
  });

  it('refuses writes and Bundles without a token too', async () => {
    expectLogin(await t.request.post('/fhir/Patient').send({ resourceType: 'Patient' }), 'invalid_request', /no access token/);
    expectLogin(await t.request.post('/fhir').send({ resourceType: 'Bundle', type: 'batch' }), 'invalid_request', /no access token/);
  });
});

describe('a token without the scope an interaction needs gets 403 naming the scope', () => {
  const as = async (scope: string) => bearer(await accessToken(t, { scope }));

  it('read needs r', async () => {
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}`).set(await as('system/Patient.s system/Observation.r')), /read on Patient needs scope system\/Patient\.r/);
  });

  it('vread needs r', async () => {
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}/_history/1`).set(await as('system/Patient.s')), /vread on Patient needs scope system\/Patient\.r/);
  });

  it('search needs s (v2 r alone is not enough)', async () => {
    expectForbidden(await t.request.get('/fhir/Patient?name=Lovelace').set(await as('system/Patient.r')), /search-type on Patient needs scope system\/Patient\.s/);
  });

  it('POST _search needs s', async () => {
    expectForbidden(await t.request.post('/fhir/Observation/_search').type('form').send('status=final').set(await as('system/Patient.rs')), /search-type on Observation/);
  });

  it('create needs c', async () => {
    expectForbidden(await t.request.post('/fhir/Patient').set(await as('system/Patient.rus')).send({ resourceType: 'Patient' }), /create on Patient needs scope system\/Patient\.c/);
  });

  it('update needs u', async () => {
    const res = await t.request.put(`/fhir/Patient/${patientId}`).set(await as('system/Patient.crds')).send({ resourceType: 'Patient', id: patientId, active: true });
    expectForbidden(res, /update on Patient needs scope system\/Patient\.u/);
  });

  it('patch needs u', async () => {
    const res = await t.request
      .patch(`/fhir/Patient/${patientId}`)
      .set(await as('system/Patient.read'))
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'add', path: '/active', value: true }]));
    expectForbidden(res, /patch on Patient needs scope system\/Patient\.u/);
  });

  it('delete needs d', async () => {
    expectForbidden(await t.request.delete(`/fhir/Patient/${patientId}`).set(await as('system/Patient.cru')), /delete on Patient needs scope system\/Patient\.d/);
  });

  it('conditional delete needs d', async () => {
    expectForbidden(await t.request.delete('/fhir/Patient?name=Lovelace').set(await as('system/Patient.read')), /delete on Patient/);
  });

  it('instance history needs r', async () => {
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}/_history`).set(await as('system/Patient.s')), /history-instance on Patient needs scope system\/Patient\.r/);
  });

  it('type history needs s', async () => {
    expectForbidden(await t.request.get('/fhir/Observation/_history').set(await as('system/Observation.r')), /history-type on Observation needs scope system\/Observation\.s/);
  });

  it('system history needs s on some type', async () => {
    expectForbidden(await t.request.get('/fhir/_history').set(await as('system/*.r')), /history-system needs scope system\/\*\.s/);
  });

  it('system search with _type needs s on each listed type', async () => {
    expectForbidden(await t.request.get('/fhir?_type=Patient,Observation').set(await as('system/Patient.rs')), /search-system on Observation needs scope system\/Observation\.s/);
  });

  it('$validate needs r, c or u on the type', async () => {
    const res = await t.request.post('/fhir/Patient/$validate').set(await as('system/Observation.cruds')).send({ resourceType: 'Patient' });
    expectForbidden(res, /\$validate on Patient needs scope system\/Patient\.r/);
  });

  it('$expand needs r on ValueSet', async () => {
    expectForbidden(await t.request.get('/fhir/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender').set(await as('system/Patient.cruds')), /\$expand on ValueSet/);
  });

  it('a patient/ scope names the scope in its own context', async () => {
    expectForbidden(await t.request.delete(`/fhir/Observation/${observationId}`).set(await as('patient/Observation.rs')), /needs scope patient\/Observation\.d/);
  });

  it('a query-restricted v2 scope grants nothing until restrictions are enforced', async () => {
    expectForbidden(await t.request.get(`/fhir/Observation/${observationId}`).set(await as('system/Observation.rs?category=laboratory')), /read on Observation/);
  });

  it('a transaction with one entry beyond the scopes is refused whole with 403, and stores nothing', async () => {
    const auth = await as('system/Patient.cruds');
    const res = await t.request
      .post('/fhir')
      .set(auth)
      .send({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:1b3c5d7e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family: 'Hopper' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      });
    expectForbidden(res, /create on Observation needs scope system\/Observation\.c/);
    const found = await t.request.get('/fhir/Patient?name=Hopper').set(auth).expect(200);
    expect(found.body.total).toBe(0);
  });

  it('a batch answers 403 with an OperationOutcome for the entry beyond the scopes, and runs the others', async () => {
    const res = await t.request
      .post('/fhir')
      .set(await as('system/Patient.rs'))
      .send({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `Patient/${patientId}` } },
          { request: { method: 'GET', url: `Observation/${observationId}` } },
          { request: { method: 'DELETE', url: `Patient/${patientId}` } },
        ],
      })
      .expect(200);
    const [ok, read, del] = res.body.entry;
    expect(ok.response.status).toMatch(/^200/);
    expect(read.response.status).toMatch(/^403/);
    expect(read.response.outcome.issue[0]).toMatchObject({ code: 'forbidden' });
    expect(read.response.outcome.issue[0].diagnostics).toMatch(/read on Observation needs scope system\/Observation\.r/);
    expect(del.response.status).toMatch(/^403/);
  });

  it('a token with no resource scopes at all may do nothing', async () => {
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}`).set(await as('openid fhirUser')), /the token grants: openid fhirUser/);
  });
});

describe('the token endpoint refuses bad requests with RFC 6749 errors', () => {
  function expectOAuth(res: { status: number; body: { error?: string; error_description?: string }; headers: Record<string, string> }, status: number, error: string, reason: RegExp) {
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(res.body.error_description).toMatch(reason);
    expect(res.headers['cache-control']).toBe('no-store');
  }

  it('refuses a replayed client assertion', async () => {
    const assertion = await clientAssertion('clinic-app', client, { jti: randomUUID() });
    await tokenRequest(t, backendForm(assertion, 'system/Patient.rs')).expect(200);
    expectOAuth(await tokenRequest(t, backendForm(assertion, 'system/Patient.rs')), 401, 'invalid_client', /jti was already used/);
  });

  it('refuses an assertion whose exp is more than five minutes ahead', async () => {
    expectOAuth(await tokenRequest(t, backendForm(await clientAssertion('clinic-app', client, { exp: 3600 }), 'system/Patient.rs')), 401, 'invalid_client', /more than 5 minutes ahead/);
  });

  it('refuses an expired assertion', async () => {
    expectOAuth(await tokenRequest(t, backendForm(await clientAssertion('clinic-app', client, { exp: -120 }), 'system/Patient.rs')), 401, 'invalid_client', /expired/);
  });

  it('refuses an unknown client', async () => {
    expectOAuth(await tokenRequest(t, backendForm(await clientAssertion('nobody', client), 'system/Patient.rs')), 401, 'invalid_client', /unknown client "nobody"/);
  });

  it('refuses an assertion signed with a key the client did not register', async () => {
    const other = await keyPair('ES384', client.kid);
    expectOAuth(await tokenRequest(t, backendForm(await clientAssertion('clinic-app', other), 'system/Patient.rs')), 401, 'invalid_client', /signature does not verify/);
  });

  it('refuses an assertion for another audience', async () => {
    expectOAuth(await tokenRequest(t, backendForm(await clientAssertion('clinic-app', client, { aud: TEST_BASE_URL }), 'system/Patient.rs')), 401, 'invalid_client', /aud must be http:\/\/relay\.test\/auth\/token/);
  });

  it('refuses an alg none assertion', async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = handMadeJwt({ alg: 'none' }, { iss: 'clinic-app', sub: 'clinic-app', aud: 'http://relay.test/auth/token', exp: now + 60, jti: randomUUID() }, () => '');
    expectOAuth(await tokenRequest(t, backendForm(assertion, 'system/Patient.rs')), 401, 'invalid_client', /"none" is not accepted/);
  });

  it('refuses scopes the client is not allowed (invalid_scope)', async () => {
    expectOAuth(await tokenRequest(t, backendForm(await clientAssertion('clinic-app', client), 'system/Observation.write system/*.cruds')), 400, 'invalid_scope', /allowed: system\/Patient\.rs system\/Observation\.read/);
  });

  it('refuses another grant type', async () => {
    expectOAuth(await tokenRequest(t, { grant_type: 'password', username: 'a', password: 'b' }), 400, 'unsupported_grant_type', /client_credentials/);
  });

  it('refuses a request without a client assertion', async () => {
    expectOAuth(await tokenRequest(t, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }), 400, 'invalid_request', /client_assertion_type/);
  });

  it('refuses a JSON body', async () => {
    const res = await t.request.post('/auth/token').send({ grant_type: 'client_credentials' });
    expectOAuth(res, 400, 'invalid_request', /x-www-form-urlencoded/);
  });

  it('refuses a repeated parameter', async () => {
    const assertion = await clientAssertion('clinic-app', client);
    const res = await t.request.post('/auth/token').type('form').send(`${new URLSearchParams(backendForm(assertion, 'system/Patient.rs'))}&scope=system/*.cruds`);
    expectOAuth(res, 400, 'invalid_request', /scope is given more than once/);
  });
});
