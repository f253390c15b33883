/**
 * SMART auth, the negative suite: every request below is refused with 401 (RFC 6750: WWW-Authenticate
 * and an OperationOutcome coded `login`) or 403 (OperationOutcome coded `forbidden`, naming the scope
 * needed), and the token endpoint refuses bad client assertions with RFC 6749 errors. Each refusal is
 * also recorded as a denied AuditEvent (IHE BALP on R4 AuditEvent: outcome 4, the interaction
 * attempted, the resource and patient asked for, the caller as far as it is known), found by the
 * X-Request-Id each request is sent with.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { AuditEvent, OperationOutcome } from '@medplum/fhirtypes';
import { decodeJwt } from 'jose';
import { startTestApp, TEST_BASE_URL, type TestApp } from './helpers/test-app';
import { accessToken, backendForm, bearer, clientAssertion, handMadeJwt, keyPair, tokenRequest, validClaims, writeJwks, type KeyPair } from './helpers/auth';
import { eventFor, summary } from './helpers/audit';
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

/** A fresh X-Request-Id header: each request names its own, so its AuditEvent can be found. */
function requestId(): { 'X-Request-Id': string } {
  return { 'X-Request-Id': randomUUID() };
}

/** Who the AuditEvent must name as the requesting agent. */
type Caller =
  /** No verified token (401): the anonymous actor, no client id, no token id. */
  | 'unauthenticated'
  /** The token endpoint could not tell which client asked. */
  | 'unidentified'
  /** A verified access token: its fhirUser, else Device/<client id>; altId the client id; policy its jti. */
  | { token: string }
  /** A token request: the client its assertion claims to be (not verified). */
  | { claimed: string };

interface Denial {
  /** The HTTP status answered (the event's outcomeDesc starts with it). */
  status: number;
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  /** The subtype codes: the restful-interaction (and an operation's name), or DICOM 110122 Login. */
  subtype: string[];
  /** `role:reference` of the entities naming a resource (4 the resource asked for, 1 the patient). */
  entities?: string[];
  caller: Caller;
  /** What outcomeDesc must also say (the reason answered). */
  reason?: RegExp;
}

/**
 * Asserts the AuditEvent of the request sent with `id`: a minor failure (outcome 4, what src/audit
 * records for every 4xx), of the interaction attempted, on what was asked for, by whom.
 */
async function expectDeniedAudit(id: { 'X-Request-Id': string }, denial: Denial): Promise<AuditEvent> {
  const e = await eventFor(t, id['X-Request-Id']);
  const token = denial.subtype[0] === '110122';
  expect(e.type).toMatchObject(token ? { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114' } : { code: 'rest' });
  expect(summary(e)).toEqual({ action: denial.action, subtype: denial.subtype, outcome: '4', entities: denial.entities ?? [] });
  expect(e.outcomeDesc).toMatch(new RegExp(`^${denial.status}[ ;]`));
  if (denial.reason) expect(e.outcomeDesc).toMatch(denial.reason);
  expectCaller(e, denial.caller);
  return e;
}

function expectCaller(e: AuditEvent, caller: Caller): void {
  const agent = e.agent?.[0];
  expect(agent?.requestor).toBe(true);
  expect(agent?.network?.address).toBeTruthy();
  if (caller === 'unauthenticated' || caller === 'unidentified') {
    expect(agent?.who).toEqual({ display: caller === 'unauthenticated' ? 'an unauthenticated caller' : 'an unidentified client' });
    expect(agent?.altId).toBeUndefined();
    expect(agent?.policy).toBeUndefined();
  } else if ('claimed' in caller) {
    expect(agent).toMatchObject({ who: { reference: `Device/${caller.claimed}`, display: `client ${caller.claimed} (claimed, not verified)` }, altId: caller.claimed });
    expect(agent?.policy).toBeUndefined();
  } else {
    const claims = decodeJwt(caller.token);
    const clientId = (claims.client_id ?? claims.sub) as string;
    expect(agent).toMatchObject({ who: { reference: (claims.fhirUser as string | undefined) ?? `Device/${clientId}` }, altId: clientId, policy: [claims.jti] });
  }
}

/** The entities of a request naming the Patient asked for: the resource itself (role 4) and the patient (role 1). */
const onPatient = (id: string, version?: string) => [`4:Patient/${id}${version ? `/_history/${version}` : ''}`, `1:Patient/${id}`];

describe('requests without a usable token get 401 with an OperationOutcome and a Bearer challenge, recorded as denied', () => {
  /** GET /fhir/Patient with `authorization`, refused 401 for `reason`, recorded as a denied search by an unauthenticated caller. */
  async function refusedSearch(authorization: Record<string, string>, error: 'invalid_token' | 'invalid_request', reason: RegExp) {
    const id = requestId();
    expectLogin(await t.request.get('/fhir/Patient').set(authorization).set(id), error, reason);
    await expectDeniedAudit(id, { status: 401, action: 'E', subtype: ['search-type'], caller: 'unauthenticated', reason });
  }

  it('refuses a request without a token (invalid_request)', async () => {
    const id = requestId();
    expectLogin(await t.request.get(`/fhir/Patient/${patientId}`).set(id), 'invalid_request', /no access token/);
    await expectDeniedAudit(id, { status: 401, action: 'R', subtype: ['read'], entities: onPatient(patientId), caller: 'unauthenticated', reason: /no access token/ });
  });

  it('refuses an Authorization header of another scheme', async () => {
    await refusedSearch({ Authorization: 'Basic dXNlcjpwYXNz' }, 'invalid_request', /Bearer <token>/);
  });

  it('refuses a malformed token', async () => {
    await refusedSearch(bearer('not.a.jwt'), 'invalid_token', /well-formed/);
  });

  it('refuses an expired token', async () => {
    await refusedSearch(bearer(await accessToken(t, { exp: -120 })), 'invalid_token', /expired/);
  });

  it('refuses a token that is not yet valid', async () => {
    await refusedSearch(bearer(await accessToken(t, { nbf: 600 })), 'invalid_token', /not yet valid/);
  });

  it('refuses a token from an unknown issuer', async () => {
    await refusedSearch(bearer(await accessToken(t, { iss: 'https://evil.example.org/auth' })), 'invalid_token', /issuer .* not trusted/);
  });

  it('refuses a token for another audience', async () => {
    await refusedSearch(bearer(await accessToken(t, { aud: 'https://other.example.org/fhir' })), 'invalid_token', new RegExp(`aud must be ${TEST_BASE_URL}`));
  });

  it('refuses a token whose signature does not verify (another key, Relay kid)', async () => {
    const forger = await keyPair('ES256');
    await refusedSearch(bearer(await accessToken(t, { key: forger, kid: loadSigningKey(t.dataDir).kid })), 'invalid_token', /signature does not verify/);
  });

  it('refuses a token with a tampered payload', async () => {
    const [h, , s] = (await accessToken(t, { scope: 'system/Patient.r' })).split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify(validClaims('system/*.cruds'))).toString('base64url')}.${s}`;
    await refusedSearch(bearer(forged), 'invalid_token', /signature does not verify/);
  });

  it('refuses alg none', async () => {
    const token = handMadeJwt({ alg: 'none', typ: 'JWT' }, validClaims(), () => '');
    await refusedSearch(bearer(token), 'invalid_token', /algorithm "none" is not accepted/);
  });

  it("refuses an HS256 token signed with Relay's public key as the HMAC secret", async () => {
    const key = loadSigningKey(t.dataDir);
    const secret = JSON.stringify(key.publicJwk);
    const token = handMadeJwt({ alg: 'HS256', kid: key.kid }, validClaims(), (input) => createHmac('sha256', secret).update(input).digest('base64url'));
    await refusedSearch(bearer(token), 'invalid_token', /algorithm "HS256" is not accepted/);
  });

  it('refuses an algorithm outside the allow-list (RS512)', async () => {
    const token = handMadeJwt({ alg: 'RS512', kid: 'x' }, validClaims(), () => 'c2ln');
    await refusedSearch(bearer(token), 'invalid_token', /"RS512" is not accepted/);
  });

  it('refuses a token naming an unknown kid', async () => {
    await refusedSearch(bearer(await accessToken(t, { kid: 'no-such-key' })), 'invalid_token', /no key with kid "no-such-key"/);
  });

  it('refuses a token from an external issuer that is not configured', async () => {
    const idp = await keyPair('RS256');
    const token = await accessToken(t, { key: idp, iss: 'https://idp.example.org' });
    await refusedSearch(bearer(token), 'invalid_token', /https:\/\/idp\.example\.org.* not trusted/);
  });

  it('refuses a token without sub', async () => {
    const key = loadSigningKey(t.dataDir);
    const { sub: _sub, ...claims } = validClaims();
    const { SignJWT } = await import('jose');
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
    await refusedSearch(bearer(token), 'invalid_token', /no sub claim/);
  });

  it('refuses writes and Bundles without a token too', async () => {
    const create = requestId();
    expectLogin(await t.request.post('/fhir/Patient').set(create).send({ resourceType: 'Patient' }), 'invalid_request', /no access token/);
    await expectDeniedAudit(create, { status: 401, action: 'C', subtype: ['create'], caller: 'unauthenticated' });
    const update = requestId();
    expectLogin(await t.request.put(`/fhir/Patient/${patientId}`).set(update).send({ resourceType: 'Patient', id: patientId }), 'invalid_request', /no access token/);
    await expectDeniedAudit(update, { status: 401, action: 'U', subtype: ['update'], entities: onPatient(patientId), caller: 'unauthenticated' });
    const remove = requestId();
    expectLogin(await t.request.delete(`/fhir/Observation/${observationId}`).set(remove), 'invalid_request', /no access token/);
    await expectDeniedAudit(remove, { status: 401, action: 'D', subtype: ['delete'], entities: [`4:Observation/${observationId}`], caller: 'unauthenticated' });
    // Refused before its body is read: POST [base] is recorded as a transaction whatever the Bundle's type.
    const bundle = requestId();
    expectLogin(await t.request.post('/fhir').set(bundle).send({ resourceType: 'Bundle', type: 'batch' }), 'invalid_request', /no access token/);
    await expectDeniedAudit(bundle, { status: 401, action: 'E', subtype: ['transaction'], caller: 'unauthenticated' });
  });
});

describe('a token without the scope an interaction needs gets 403 naming the scope, recorded as denied', () => {
  /** A token with `scope` (sub test-client), its Authorization header and the caller the AuditEvent must name. */
  const as = async (scope: string) => {
    const token = await accessToken(t, { scope });
    return { auth: { ...bearer(token), ...requestId() }, caller: { token } };
  };
  const idOf = (auth: Record<string, string>) => ({ 'X-Request-Id': auth['X-Request-Id'] });

  it('read needs r', async () => {
    const { auth, caller } = await as('system/Patient.s system/Observation.r');
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}`).set(auth), /read on Patient needs scope system\/Patient\.r/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'R', subtype: ['read'], entities: onPatient(patientId), caller, reason: /read on Patient needs scope/ });
  });

  it('vread needs r', async () => {
    const { auth, caller } = await as('system/Patient.s');
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}/_history/1`).set(auth), /vread on Patient needs scope system\/Patient\.r/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'R', subtype: ['vread'], entities: onPatient(patientId, '1'), caller });
  });

  it('search needs s (v2 r alone is not enough)', async () => {
    const { auth, caller } = await as('system/Patient.r');
    expectForbidden(await t.request.get('/fhir/Patient?name=Lovelace').set(auth), /search-type on Patient needs scope system\/Patient\.s/);
    const e = await expectDeniedAudit(idOf(auth), { status: 403, action: 'E', subtype: ['search-type'], caller });
    expect(e.entity?.find((x) => x.role?.code === '24')?.description).toBe('Patient?name=Lovelace');
  });

  it('POST _search needs s', async () => {
    const { auth, caller } = await as('system/Patient.rs');
    expectForbidden(await t.request.post('/fhir/Observation/_search').type('form').send('status=final').set(auth), /search-type on Observation/);
    const e = await expectDeniedAudit(idOf(auth), { status: 403, action: 'E', subtype: ['search-type'], caller });
    expect(e.entity?.find((x) => x.role?.code === '24')?.description).toBe('Observation?status=final');
  });

  it('create needs c', async () => {
    const { auth, caller } = await as('system/Patient.rus');
    expectForbidden(await t.request.post('/fhir/Patient').set(auth).send({ resourceType: 'Patient' }), /create on Patient needs scope system\/Patient\.c/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'C', subtype: ['create'], caller });
  });

  it('update needs u', async () => {
    const { auth, caller } = await as('system/Patient.crds');
    const res = await t.request.put(`/fhir/Patient/${patientId}`).set(auth).send({ resourceType: 'Patient', id: patientId, active: true });
    expectForbidden(res, /update on Patient needs scope system\/Patient\.u/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'U', subtype: ['update'], entities: onPatient(patientId), caller });
  });

  it('patch needs u', async () => {
    const { auth, caller } = await as('system/Patient.read');
    const res = await t.request
      .patch(`/fhir/Patient/${patientId}`)
      .set(auth)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'add', path: '/active', value: true }]));
    expectForbidden(res, /patch on Patient needs scope system\/Patient\.u/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'U', subtype: ['patch'], entities: onPatient(patientId), caller });
  });

  it('delete needs d', async () => {
    const { auth, caller } = await as('system/Patient.cru');
    expectForbidden(await t.request.delete(`/fhir/Patient/${patientId}`).set(auth), /delete on Patient needs scope system\/Patient\.d/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'D', subtype: ['delete'], entities: onPatient(patientId), caller });
  });

  it('conditional delete needs d', async () => {
    const { auth, caller } = await as('system/Patient.read');
    expectForbidden(await t.request.delete('/fhir/Patient?name=Lovelace').set(auth), /delete on Patient/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'D', subtype: ['delete'], caller });
  });

  it('instance history needs r', async () => {
    const { auth, caller } = await as('system/Patient.s');
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}/_history`).set(auth), /history-instance on Patient needs scope system\/Patient\.r/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'R', subtype: ['history-instance'], entities: onPatient(patientId), caller });
  });

  it('type history needs s', async () => {
    const { auth, caller } = await as('system/Observation.r');
    expectForbidden(await t.request.get('/fhir/Observation/_history').set(auth), /history-type on Observation needs scope system\/Observation\.s/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'E', subtype: ['history-type'], caller });
  });

  it('system history needs s on some type', async () => {
    const { auth, caller } = await as('system/*.r');
    expectForbidden(await t.request.get('/fhir/_history').set(auth), /history-system needs scope system\/\*\.s/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'E', subtype: ['history-system'], caller });
  });

  it('system search with _type needs s on each listed type', async () => {
    const { auth, caller } = await as('system/Patient.rs');
    expectForbidden(await t.request.get('/fhir?_type=Patient,Observation').set(auth), /search-system on Observation needs scope system\/Observation\.s/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'E', subtype: ['search-system'], caller });
  });

  it('$validate needs r, c or u on the type', async () => {
    const { auth, caller } = await as('system/Observation.cruds');
    const res = await t.request.post('/fhir/Patient/$validate').set(auth).send({ resourceType: 'Patient' });
    expectForbidden(res, /\$validate on Patient needs scope system\/Patient\.r/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'E', subtype: ['operation', '$validate'], caller });
  });

  it('$expand needs r on ValueSet', async () => {
    const { auth, caller } = await as('system/Patient.cruds');
    expectForbidden(await t.request.get('/fhir/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender').set(auth), /\$expand on ValueSet/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'E', subtype: ['operation', '$expand'], caller });
  });

  it('a patient/ scope names the scope in its own context', async () => {
    const { auth, caller } = await as('patient/Observation.rs');
    expectForbidden(await t.request.delete(`/fhir/Observation/${observationId}`).set(auth), /needs scope patient\/Observation\.d/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'D', subtype: ['delete'], entities: [`4:Observation/${observationId}`], caller });
  });

  // The Observation has no category: outside the restriction (which, until restrictions are enforced, permits nothing).
  it('a query-restricted v2 scope does not reach a resource outside its restriction', async () => {
    const { auth, caller } = await as('system/Observation.rs?category=laboratory');
    expectForbidden(await t.request.get(`/fhir/Observation/${observationId}`).set(auth), /Observation/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'R', subtype: ['read'], entities: [`4:Observation/${observationId}`], caller });
  });

  it('a transaction with one entry beyond the scopes is refused whole with 403, and stores nothing', async () => {
    const { auth, caller } = await as('system/Patient.cruds');
    const res = await t.request
      .post('/fhir')
      .set(auth)
      .send({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:1b3c5d7e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family: 'Hopper' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patientId}` } }, request: { method: 'POST', url: 'Observation' } },
        ],
      });
    expectForbidden(res, /create on Observation needs scope system\/Observation\.c/);
    // The whole transaction failed: nothing written, so no entry's location; the patient its entries name.
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'E', subtype: ['transaction'], entities: [`1:Patient/${patientId}`], caller, reason: /create on Observation needs scope/ });
    const found = await t.request.get('/fhir/Patient?name=Hopper').set(bearer(caller.token)).expect(200);
    expect(found.body.total).toBe(0);
  });

  it('a batch answers 403 with an OperationOutcome for the entry beyond the scopes, and runs the others', async () => {
    const { auth, caller } = await as('system/Patient.rs');
    const res = await t.request
      .post('/fhir')
      .set(auth)
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
    // The batch answered 200, but two of its entries were denied: the event records the failure and each denied entry.
    const e = await expectDeniedAudit(idOf(auth), { status: 200, action: 'E', subtype: ['batch'], entities: [`1:Patient/${patientId}`], caller });
    expect(e.outcomeDesc).toMatch(/^200; 403 Bundle\.entry\[1\] \(GET Observation\/[^)]+\): read on Observation needs scope .*; 403 Bundle\.entry\[2\] \(DELETE Patient\/[^)]+\): delete on Patient needs scope/);
  });

  it('a token with no resource scopes at all may do nothing', async () => {
    const { auth, caller } = await as('openid fhirUser');
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}`).set(auth), /the token grants: openid fhirUser/);
    await expectDeniedAudit(idOf(auth), { status: 403, action: 'R', subtype: ['read'], entities: onPatient(patientId), caller });
  });

  it('the caller is its fhirUser and client when the token names them', async () => {
    const token = await accessToken(t, { scope: 'user/Observation.rs', sub: 'dr-app', extra: { fhirUser: 'Practitioner/dr-who', client_id: 'dr-app' } });
    const id = requestId();
    expectForbidden(await t.request.get(`/fhir/Patient/${patientId}`).set(bearer(token)).set(id), /read on Patient needs scope user\/Patient\.r/);
    const e = await expectDeniedAudit(id, { status: 403, action: 'R', subtype: ['read'], entities: onPatient(patientId), caller: { token } });
    expect(e.agent?.[0]).toMatchObject({ who: { reference: 'Practitioner/dr-who', display: 'client dr-app' }, altId: 'dr-app' });
  });
});

describe('patient A reaching patient B gets 403, recorded as denied with B as the patient where the request names B', () => {
  let a: string;
  let b: string;
  let observationOfB: string;
  let token: string;
  const obs = (patient: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${patient}` } });

  beforeAll(async () => {
    const admin = bearer(await accessToken(t, { scope: 'system/*.cruds' }));
    a = patientId;
    b = (await t.request.post('/fhir/Patient').set(admin).send({ resourceType: 'Patient', name: [{ family: 'Babbage' }] }).expect(201)).body.id;
    observationOfB = (await t.request.post('/fhir/Observation').set(admin).send(obs(b)).expect(201)).body.id;
    token = await accessToken(t, { scope: 'patient/*.cruds', sub: 'portal', extra: { patient: `Patient/${a}`, fhirUser: `Patient/${a}` } });
  });

  it("read of B's Patient", async () => {
    const id = requestId();
    expectForbidden(await t.request.get(`/fhir/Patient/${b}`).set(bearer(token)).set(id), /./);
    const e = await expectDeniedAudit(id, { status: 403, action: 'R', subtype: ['read'], entities: onPatient(b), caller: { token } });
    expect(e.agent?.[0].who?.reference).toBe(`Patient/${a}`);
  });

  it("read of B's Observation names the Observation (its patient is not looked up)", async () => {
    const id = requestId();
    expectForbidden(await t.request.get(`/fhir/Observation/${observationOfB}`).set(bearer(token)).set(id), /./);
    await expectDeniedAudit(id, { status: 403, action: 'R', subtype: ['read'], entities: [`4:Observation/${observationOfB}`], caller: { token } });
  });

  it('create of an Observation for B', async () => {
    const id = requestId();
    expectForbidden(await t.request.post('/fhir/Observation').set(bearer(token)).set(id).send(obs(b)), /./);
    await expectDeniedAudit(id, { status: 403, action: 'C', subtype: ['create'], entities: [`1:Patient/${b}`], caller: { token } });
  });

  it('a transaction with an entry for B fails whole and names both patients', async () => {
    const id = requestId();
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [obs(a), obs(b)].map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })) };
    expectForbidden(await t.request.post('/fhir').set(bearer(token)).set(id).send(bundle), /./);
    await expectDeniedAudit(id, { status: 403, action: 'E', subtype: ['transaction'], entities: [`1:Patient/${a}`, `1:Patient/${b}`], caller: { token } });
  });

  it("a batch entry reading B's Patient answers 403; the batch's event records the denial and B", async () => {
    const id = requestId();
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${b}` } }] };
    const res = await t.request.post('/fhir').set(bearer(token)).set(id).send(bundle).expect(200);
    expect(res.body.entry[0].response.status).toMatch(/^403/);
    expect(res.body.entry[0].response.outcome.issue[0]).toMatchObject({ severity: 'error', code: 'forbidden' });
    await expectDeniedAudit(id, { status: 200, action: 'E', subtype: ['batch'], entities: [`1:Patient/${b}`], caller: { token }, reason: /; 403 Bundle\.entry\[0\]/ });
  });
});

describe('a web page of another origin gets 403', () => {
  it('refuses a request from an origin not in RELAY_CORS_ORIGINS with 403 and an OperationOutcome', async () => {
    const id = requestId();
    const res = await t.request.get(`/fhir/Patient/${patientId}`).set(bearer(await accessToken(t))).set('Origin', 'https://evil.example').set(id);
    expect(res.status).toBe(403);
    expect(res.body.issue?.[0]).toMatchObject({ severity: 'error', code: 'forbidden' });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  // KNOWN GAP: src/http/server.ts mounts the audit middleware after the CORS check (guard.edge), so
  // this refusal is never recorded. Mounting the audit first fixes it; then make this an ordinary `it`.
  it('records the refusal as a denied AuditEvent', async () => {
    const id = requestId();
    expect((await t.request.get(`/fhir/Patient/${patientId}`).set('Origin', 'https://evil.example').set(id)).status).toBe(403);
    await expectDeniedAudit(id, { status: 403, action: 'R', subtype: ['read'], entities: onPatient(patientId), caller: 'unauthenticated', reason: /web origin https:\/\/evil\.example are not allowed/ });
  });
});

describe('the token endpoint refuses bad requests with RFC 6749 errors, recorded as failed authentications', () => {
  type Sent = { status: number; body: { error?: string; error_description?: string }; headers: Record<string, string> };

  /**
   * Asserts the RFC 6749 error answered to the request sent with `id`, and its AuditEvent: DICOM 110114
   * User Authentication / 110122 Login, outcome 4, the error in outcomeDesc, the client the assertion claimed.
   */
  async function expectRefused(id: { 'X-Request-Id': string }, res: Sent, status: number, error: string, reason: RegExp, caller: Caller) {
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(res.body.error_description).toMatch(reason);
    expect(res.headers['cache-control']).toBe('no-store');
    await expectDeniedAudit(id, { status, action: 'E', subtype: ['110122'], caller, reason: new RegExp(`^${status} ${error}: `) });
  }

  /** Sends the token request `form` with a fresh X-Request-Id and checks its answer and AuditEvent. */
  async function refused(form: Record<string, string>, status: number, error: string, reason: RegExp, caller: Caller) {
    const id = requestId();
    await expectRefused(id, await tokenRequest(t, form).set(id), status, error, reason, caller);
  }

  it('refuses a replayed client assertion', async () => {
    const assertion = await clientAssertion('clinic-app', client, { jti: randomUUID() });
    await tokenRequest(t, backendForm(assertion, 'system/Patient.rs')).expect(200);
    await refused(backendForm(assertion, 'system/Patient.rs'), 401, 'invalid_client', /jti was already used/, { claimed: 'clinic-app' });
  });

  it('refuses an assertion whose exp is more than five minutes ahead', async () => {
    await refused(backendForm(await clientAssertion('clinic-app', client, { exp: 3600 }), 'system/Patient.rs'), 401, 'invalid_client', /more than 5 minutes ahead/, { claimed: 'clinic-app' });
  });

  it('refuses an expired assertion', async () => {
    await refused(backendForm(await clientAssertion('clinic-app', client, { exp: -120 }), 'system/Patient.rs'), 401, 'invalid_client', /expired/, { claimed: 'clinic-app' });
  });

  it('refuses an unknown client', async () => {
    await refused(backendForm(await clientAssertion('nobody', client), 'system/Patient.rs'), 401, 'invalid_client', /unknown client "nobody"/, { claimed: 'nobody' });
  });

  it('refuses an assertion signed with a key the client did not register', async () => {
    const other = await keyPair('ES384', client.kid);
    await refused(backendForm(await clientAssertion('clinic-app', other), 'system/Patient.rs'), 401, 'invalid_client', /signature does not verify/, { claimed: 'clinic-app' });
  });

  it('refuses an assertion for another audience', async () => {
    await refused(backendForm(await clientAssertion('clinic-app', client, { aud: TEST_BASE_URL }), 'system/Patient.rs'), 401, 'invalid_client', /aud must be http:\/\/relay\.test\/auth\/token/, { claimed: 'clinic-app' });
  });

  it('refuses an alg none assertion', async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = handMadeJwt({ alg: 'none' }, { iss: 'clinic-app', sub: 'clinic-app', aud: 'http://relay.test/auth/token', exp: now + 60, jti: randomUUID() }, () => '');
    await refused(backendForm(assertion, 'system/Patient.rs'), 401, 'invalid_client', /"none" is not accepted/, { claimed: 'clinic-app' });
  });

  it('refuses scopes the client is not allowed (invalid_scope)', async () => {
    await refused(backendForm(await clientAssertion('clinic-app', client), 'system/Observation.write system/*.cruds'), 400, 'invalid_scope', /allowed: system\/Patient\.rs system\/Observation\.read/, { claimed: 'clinic-app' });
  });

  it('refuses another grant type', async () => {
    await refused({ grant_type: 'password', username: 'a', password: 'b' }, 400, 'unsupported_grant_type', /client_credentials/, 'unidentified');
  });

  it('refuses a request without a client assertion', async () => {
    await refused({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }, 400, 'invalid_request', /client_assertion_type/, 'unidentified');
  });

  it('refuses a JSON body', async () => {
    const id = requestId();
    const res = await t.request.post('/auth/token').set(id).send({ grant_type: 'client_credentials' });
    await expectRefused(id, res, 400, 'invalid_request', /x-www-form-urlencoded/, 'unidentified');
  });

  it('refuses a repeated parameter', async () => {
    const id = requestId();
    const assertion = await clientAssertion('clinic-app', client);
    const res = await t.request.post('/auth/token').set(id).type('form').send(`${new URLSearchParams(backendForm(assertion, 'system/Patient.rs'))}&scope=system/*.cruds`);
    await expectRefused(id, res, 400, 'invalid_request', /scope is given more than once/, { claimed: 'clinic-app' });
  });
});
