/**
 * SMART auth, what works: SMART Backend Services end to end (register a client, sign a client
 * assertion, get a token at /auth/token, use it on the FHIR API), v1 and v2 scopes, system-level
 * search and history limited to the types the token may see, discovery and rest.security, an
 * external issuer whose keys come from a JWKS file, and the token CLI.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Bundle, CapabilityStatement } from '@medplum/fhirtypes';
import { makeDataDir, startTestApp, TEST_BASE_URL, type TestApp } from './helpers/test-app';
import { accessToken, backendForm, bearer, clientAssertion, ISSUER, keyPair, TOKEN_ENDPOINT, tokenRequest, writeJwks, type KeyPair } from './helpers/auth';
import { runClientsCommand } from '../src/auth/cli/clients';
import { mintFromCommandLine } from '../src/auth/cli/token';
import { readClients } from '../src/auth/server/clients';
import { loadConfig } from '../src/config';

let t: TestApp;
let idp: KeyPair;
let issuersDir: string;

beforeAll(async () => {
  idp = await keyPair('RS256');
  issuersDir = await makeDataDir();
  await writeJwks(issuersDir, 'idp-keys.json', [idp.publicJwk]);
  await fs.writeFile(path.join(issuersDir, 'issuers.json'), JSON.stringify([{ issuer: 'https://idp.example.org', jwksFile: 'idp-keys.json' }]));
  const { authIssuers } = loadConfig({ RELAY_AUTH: 'smart', RELAY_AUTH_ISSUERS: path.join(issuersDir, 'issuers.json') });
  t = await startTestApp({ auth: 'smart', authIssuers });
});

afterAll(async () => {
  await t.close();
  await fs.rm(issuersDir, { recursive: true, force: true });
});

const patient = (family: string) => ({ resourceType: 'Patient', name: [{ family }] });

describe('SMART Backend Services, end to end', () => {
  let client: KeyPair;

  beforeAll(async () => {
    client = await keyPair('ES256');
    const jwks = await writeJwks(t.dataDir, 'emr-jwks.json', [client.publicJwk]);
    const printed: string[] = [];
    const status = runClientsCommand(
      ['add', '--id', 'emr-1', '--jwks', jwks, '--scopes', 'system/Patient.cruds system/Observation.rs', '--organization', 'Organization/clinic-a', '--name', 'Clinic A EMR'],
      t.dataDir,
      (line) => printed.push(line),
    );
    expect(status).toBe(0);
    expect(printed[0]).toMatch(/registered client emr-1/);
  });

  it('issues a token for a signed client assertion, granting the requested scopes the client is allowed', async () => {
    const assertion = await clientAssertion('emr-1', client);
    const res = await tokenRequest(t, backendForm(assertion, 'system/Patient.rs system/Observation.r system/Practitioner.r')).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 300, scope: 'system/Patient.rs system/Observation.r' });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: TEST_BASE_URL, sub: 'emr-1', client_id: 'emr-1', scope: 'system/Patient.rs system/Observation.r', organization: 'Organization/clinic-a' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    expect(claims.jti).toEqual(expect.any(String));
    expect(decodeProtectedHeader(res.body.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
  });

  it('reads, searches and creates with the token it got', async () => {
    const form = backendForm(await clientAssertion('emr-1', client), 'system/Patient.cruds system/Observation.rs');
    const token = (await tokenRequest(t, form).expect(200)).body.access_token as string;
    const created = await t.request.post('/fhir/Patient').set(bearer(token)).send(patient('Turing')).expect(201);
    const read = await t.request.get(`/fhir/Patient/${created.body.id}`).set(bearer(token)).expect(200);
    expect(read.body.name[0].family).toBe('Turing');
    const found = await t.request.get('/fhir/Patient?name=Turing').set(bearer(token)).expect(200);
    expect(found.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([created.body.id]);
    // Observation is granted rs, not c.
    const denied = await t.request.post('/fhir/Observation').set(bearer(token)).send({ resourceType: 'Observation', status: 'final', code: { text: 'x' } });
    expect(denied.status).toBe(403);
  });

  it('accepts the client_id parameter when it matches the assertion', async () => {
    const form = { ...backendForm(await clientAssertion('emr-1', client), 'system/Patient.r'), client_id: 'emr-1' };
    await tokenRequest(t, form).expect(200);
  });

  it('lists and removes clients with the CLI; a removed client gets no more tokens', async () => {
    const keys = await keyPair('RS384');
    const jwks = await writeJwks(t.dataDir, 'tmp-jwks.json', [keys.publicJwk]);
    expect(runClientsCommand(['add', '--id', 'tmp-client', '--jwks', jwks, '--scopes', 'system/*.read'], t.dataDir, () => undefined)).toBe(0);
    const listed: string[] = [];
    expect(runClientsCommand(['list'], t.dataDir, (line) => listed.push(line))).toBe(0);
    expect(listed.some((l) => l.startsWith('tmp-client\t'))).toBe(true);
    await tokenRequest(t, backendForm(await clientAssertion('tmp-client', keys), 'system/Patient.read')).expect(200);
    expect(runClientsCommand(['remove', '--id', 'tmp-client'], t.dataDir, () => undefined)).toBe(0);
    expect(readClients(t.dataDir).map((c) => c.id)).not.toContain('tmp-client');
    const res = await tokenRequest(t, backendForm(await clientAssertion('tmp-client', keys), 'system/Patient.read'));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('refuses to register a client with a scope that is not a SMART resource scope', () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(runClientsCommand(['add', '--id', 'bad', '--jwks-uri', 'https://x.example/jwks', '--scopes', 'everything'], t.dataDir, () => undefined)).toBe(1);
    expect(errors.mock.calls[0][0]).toMatch(/not SMART resource scopes: everything/);
    errors.mockRestore();
  });

  it('keeps the signing key private to its owner', async () => {
    const stat = await fs.stat(path.join(t.dataDir, 'auth', 'signing-key.json'));
    expect(stat.mode & 0o777).toBe(0o600);
  });
});

describe('scopes, v1 and v2', () => {
  const as = async (scope: string) => bearer(await accessToken(t, { scope }));
  let patientId: string;
  let observationId: string;

  beforeAll(async () => {
    const admin = await as('system/*.cruds');
    patientId = (await t.request.post('/fhir/Patient').set(admin).send(patient('Noether')).expect(201)).body.id;
    observationId = (
      await t.request
        .post('/fhir/Observation')
        .set(admin)
        .send({ resourceType: 'Observation', status: 'final', code: { text: 'bp' }, subject: { reference: `Patient/${patientId}` } })
        .expect(201)
    ).body.id;
  });

  it('v1 system/*.read reads and searches every type but writes nothing', async () => {
    const auth = await as('system/*.read');
    await t.request.get(`/fhir/Patient/${patientId}`).set(auth).expect(200);
    await t.request.get('/fhir/Observation?status=final').set(auth).expect(200);
    await t.request.get(`/fhir/Patient/${patientId}/_history`).set(auth).expect(200);
    expect((await t.request.post('/fhir/Patient').set(auth).send(patient('X'))).status).toBe(403);
  });

  it('v1 system/Observation.write creates, updates and deletes Observations (user/ scopes need a fhirUser: test/access-consult.test.ts)', async () => {
    const auth = await as('system/Observation.write');
    const id = (await t.request.post('/fhir/Observation').set(auth).send({ resourceType: 'Observation', status: 'preliminary', code: { text: 'x' } }).expect(201)).body.id;
    await t.request.put(`/fhir/Observation/${id}`).set(auth).send({ resourceType: 'Observation', id, status: 'final', code: { text: 'x' } }).expect(200);
    await t.request.delete(`/fhir/Observation/${id}`).set(auth).expect(200);
  });

  it('v1 system/*.* does everything', async () => {
    const auth = await as('system/*.*');
    const id = (await t.request.post('/fhir/Patient').set(auth).send(patient('Curie')).expect(201)).body.id;
    await t.request.delete(`/fhir/Patient/${id}`).set(auth).expect(200);
  });

  it('v2 system/Patient.r reads but does not search; .s searches', async () => {
    await t.request.get(`/fhir/Patient/${patientId}`).set(await as('system/Patient.r')).expect(200);
    expect((await t.request.get('/fhir/Patient').set(await as('system/Patient.r'))).status).toBe(403);
    await t.request.get('/fhir/Patient?name=Noether').set(await as('system/Patient.s')).expect(200);
  });

  it('$validate is allowed with c (or r or u) on the type', async () => {
    const res = await t.request.post('/fhir/Patient/$validate').set(await as('system/Patient.c')).send(patient('Valid')).expect(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('system-level search without _type answers only the types the token may see', async () => {
    const res = await t.request.get('/fhir?_count=100').set(await as('system/Observation.rs')).expect(200);
    const types = new Set((res.body as Bundle).entry?.map((e) => e.resource?.resourceType));
    expect([...types]).toEqual(['Observation']);
  });

  it('system history answers only the types the token may see', async () => {
    const res = await t.request.get('/fhir/_history?_count=200').set(await as('system/Patient.rs')).expect(200);
    const types = new Set((res.body as Bundle).entry?.map((e) => e.request?.url.split('/')[0]));
    expect([...types]).toEqual(['Patient']);
  });

  it('_include brings in only resources of types the token may see', async () => {
    const withPatient = await t.request.get(`/fhir/Observation?_id=${observationId}&_include=Observation:subject`).set(await as('system/Observation.rs system/Patient.r')).expect(200);
    expect((withPatient.body as Bundle).entry?.map((e) => e.resource?.resourceType).sort()).toEqual(['Observation', 'Patient']);
    const without = await t.request.get(`/fhir/Observation?_id=${observationId}&_include=Observation:subject`).set(await as('system/Observation.rs')).expect(200);
    expect((without.body as Bundle).entry?.map((e) => e.resource?.resourceType)).toEqual(['Observation']);
  });

  it('a transaction whose entries are all within the scopes commits', async () => {
    const res = await t.request
      .post('/fhir')
      .set(await as('system/Patient.c system/Observation.c'))
      .send({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:2b3c5d7e-0000-4000-8000-000000000002', resource: patient('Lamarr'), request: { method: 'POST', url: 'Patient' } },
          {
            resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:2b3c5d7e-0000-4000-8000-000000000002' } },
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      })
      .expect(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['201', '201']);
  });

  it('tolerates the configured clock skew (a token expired 10 s ago still works)', async () => {
    await t.request.get(`/fhir/Patient/${patientId}`).set(bearer(await accessToken(t, { scope: 'system/Patient.r', exp: -10 }))).expect(200);
  });
});

describe('external issuers', () => {
  it('accepts a token from a configured issuer whose keys come from a JWKS file', async () => {
    const token = await accessToken(t, { key: idp, iss: 'https://idp.example.org', scope: 'system/Patient.rs', sub: 'partner-hospital' });
    await t.request.get('/fhir/Patient').set(bearer(token)).expect(200);
  });

  it("refuses a token claiming the external issuer but signed with Relay's key", async () => {
    const res = await t.request.get('/fhir/Patient').set(bearer(await accessToken(t, { iss: 'https://idp.example.org' })));
    expect(res.status).toBe(401);
    expect(res.body.issue[0].code).toBe('login');
  });
});

describe('discovery and unauthenticated endpoints', () => {
  it('serves .well-known/smart-configuration without a token', async () => {
    const res = await t.request.get('/fhir/.well-known/smart-configuration').expect(200);
    expect(res.body).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/jwks.json`,
      token_endpoint: TOKEN_ENDPOINT,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'ES256', 'ES384'],
      grant_types_supported: ['client_credentials'],
      capabilities: expect.arrayContaining(['client-confidential-asymmetric', 'permission-v1', 'permission-v2']),
    });
    expect(res.body.scopes_supported).toContain('system/*.rs');
  });

  it('serves the public signing key at /auth/jwks.json, and nothing private', async () => {
    const res = await t.request.get('/auth/jwks.json').expect(200);
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
    expect(res.body.keys[0].d).toBeUndefined();
  });

  it('serves metadata without a token, with rest.security describing SMART', async () => {
    const res = await t.request.get('/fhir/metadata').expect(200);
    const security = (res.body as CapabilityStatement).rest?.[0].security;
    expect(security?.service?.[0].coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' });
    const uris = security?.extension?.find((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    expect(uris?.extension).toEqual([{ url: 'token', valueUri: TOKEN_ENDPOINT }]);
  });

  it('serves /healthz without a token', async () => {
    await t.request.get('/healthz').expect(200);
  });
});

describe('npm run token', () => {
  it("mints a token with Relay's key that the server accepts, keeping patient and fhirUser claims", async () => {
    const token = await mintFromCommandLine(['--client', 'local-test', '--scope', 'system/*.read', '--patient', 'Patient/1', '--fhir-user', 'Practitioner/7'], t.config);
    expect(decodeJwt(token)).toMatchObject({ iss: ISSUER, aud: TEST_BASE_URL, sub: 'local-test', patient: 'Patient/1', fhirUser: 'Practitioner/7' });
    await t.request.get('/fhir/Patient').set(bearer(token)).expect(200);
  });
});

describe('open mode', () => {
  it('has no /auth and needs no token', async () => {
    const open = await startTestApp();
    try {
      expect(open.config.auth).toBe('open');
      await open.request.get('/fhir/Patient').expect(200);
      expect((await open.request.get('/auth/jwks.json')).status).toBe(404);
      const metadata = await open.request.get('/fhir/metadata').expect(200);
      expect(metadata.body.rest[0].security).toBeUndefined();
    } finally {
      await open.close();
    }
  });
});
