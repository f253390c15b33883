/**
 * The audit trail on a `smart` server (issue 7; IHE BALP): denied requests (401 without a valid
 * token, 403 for a missing scope) and token requests are recorded, with the caller as agent.
 */
import { decodeJwt } from 'jose';
import { startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer, tokenRequest } from './helpers/auth';
import { eventFor, storedEvents, summary } from './helpers/audit';

const FHIR = 'application/fhir+json';

describe('denials and the caller in the audit trail (smart mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a request without a token (401) is recorded as a denied search by an unauthenticated caller', async () => {
    const res = await t.request.get('/fhir/Patient?name=x').set('X-Request-Id', 'deny-401').expect(401);
    expect(res.body.issue[0].code).toBe('login');
    const e = await eventFor(t, 'deny-401');
    expect(summary(e)).toEqual({ action: 'E', subtype: ['search-type'], outcome: '4', entities: [] });
    expect(e.outcomeDesc).toMatch(/^401 /);
    expect(e.agent?.[0].who).toEqual({ display: 'an unauthenticated caller' });
  });

  it('a token with a bad signature (401) on a read is recorded with the resource asked for', async () => {
    const token = await accessToken(t);
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await t.request.get('/fhir/Patient/p1').set(bearer(forged)).set('X-Request-Id', 'deny-sig').expect(401);
    expect(summary(await eventFor(t, 'deny-sig'))).toEqual({ action: 'R', subtype: ['read'], outcome: '4', entities: ['4:Patient/p1', '1:Patient/p1'] });
  });

  it('a missing scope (403) is recorded with the client, its fhirUser and its token id', async () => {
    const token = await accessToken(t, { scope: 'system/Patient.rs', sub: 'clinic-app', extra: { fhirUser: 'Practitioner/dr-who', client_id: 'clinic-app' } });
    const res = await t.request
      .post('/fhir/Observation')
      .set(bearer(token))
      .set('X-Request-Id', 'deny-403')
      .set('Content-Type', FHIR)
      .send({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p9' } });
    expect(res.status).toBe(403);
    const e = await eventFor(t, 'deny-403');
    expect(summary(e)).toEqual({ action: 'C', subtype: ['create'], outcome: '4', entities: ['1:Patient/p9'] });
    expect(e.outcomeDesc).toMatch(/^403 create on Observation needs scope/);
    expect(e.agent?.[0]).toMatchObject({ who: { reference: 'Practitioner/dr-who' }, altId: 'clinic-app', requestor: true, policy: [decodeJwt(token).jti] });
  });

  it('an allowed request names the client as agent (Device/<client id> without fhirUser)', async () => {
    const token = await accessToken(t, { scope: 'system/*.cruds' });
    await t.request.get('/fhir/Patient').set(bearer(token)).set('X-Request-Id', 'allowed').expect(200);
    const e = await eventFor(t, 'allowed');
    expect(e.outcome).toBe('0');
    expect(e.agent?.[0]).toMatchObject({ who: { reference: 'Device/test-client' }, altId: 'test-client' });
  });

  it('administrators search the trail for denials; the search itself is recorded once', async () => {
    const token = await accessToken(t, { scope: 'system/AuditEvent.rs' });
    const before = (await storedEvents(t)).length;
    const res = await t.request.get('/fhir/AuditEvent?outcome=4&_count=100').set(bearer(token)).expect(200);
    expect(res.body.total).toBeGreaterThanOrEqual(3);
    const byClient = await t.request.get('/fhir/AuditEvent?altid=clinic-app&outcome=4&_summary=count').set(bearer(token)).expect(200);
    expect(byClient.body.total).toBe(1);
    expect((await storedEvents(t)).length).toBe(before + 2);
  });

  it('token requests are recorded as authentication events (DICOM 110114 / 110122 Login)', async () => {
    await tokenRequest(t, { grant_type: 'client_credentials' }).set('X-Request-Id', 'token-bad').expect(400);
    const e = await eventFor(t, 'token-bad');
    expect(e.type).toMatchObject({ code: '110114' });
    expect(e.subtype?.[0]).toMatchObject({ code: '110122' });
    expect(e.outcome).toBe('4');
    expect(e.outcomeDesc).toMatch(/^400 invalid_request/);
  });
});
