/**
 * Consult-based access (README "Security", "Who sees which resources"): user/ scopes of a
 * practitioner (fhirUser) reach the consults they requester, own (Task.owner), perform, interpret, or
 * take part in through a CareTeam, with RELAY_ACCESS_ORGANISATION_RULE adding their organisation's;
 * a system/ client registered with an organisation (token claim `organization`) reaches only the
 * consults its organisation requested.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer } from './helpers/auth';

const entryIds = (bundle: Bundle) => (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`).sort();

function expectForbidden(res: { status: number; body: unknown }): void {
  expect(res.status).toBe(403);
  expect((res.body as OperationOutcome).issue?.[0]).toMatchObject({ severity: 'error', code: 'forbidden' });
}

/** Two consults: SR1 (requested by P1 of Org1 for patient C, Task owned by P2's role in Org2, a Media), SR2 (P3 of Org3, for D, performed by a CareTeam with P4). */
async function seed(t: TestApp) {
  const admin = bearer(await accessToken(t, { scope: 'system/*.cruds' }));
  const create = async (resource: Record<string, unknown>) => {
    const res = await t.request.post(`/fhir/${resource.resourceType as string}`).set(admin).send(resource);
    if (res.status !== 201) throw new Error(`seed ${resource.resourceType as string}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
  const ids: Record<string, string> = {};
  for (const o of ['Org1', 'Org2', 'Org3']) ids[o] = await create({ resourceType: 'Organization', name: o });
  for (const p of ['P1', 'P2', 'P3', 'P4', 'P5']) ids[p] = await create({ resourceType: 'Practitioner', name: [{ family: p }] });
  ids.R1 = await create({ resourceType: 'PractitionerRole', practitioner: ref('Practitioner', ids.P1), organization: ref('Organization', ids.Org1) });
  ids.R2 = await create({ resourceType: 'PractitionerRole', practitioner: ref('Practitioner', ids.P2), organization: ref('Organization', ids.Org2) });
  ids.R3 = await create({ resourceType: 'PractitionerRole', practitioner: ref('Practitioner', ids.P3), organization: ref('Organization', ids.Org3) });
  ids.R5 = await create({ resourceType: 'PractitionerRole', practitioner: ref('Practitioner', ids.P5), organization: ref('Organization', ids.Org2) });
  ids.C = await create({ resourceType: 'Patient', name: [{ family: 'Charlie' }] });
  ids.D = await create({ resourceType: 'Patient', name: [{ family: 'Delta' }] });
  ids.SR1 = await create({ resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: ref('Patient', ids.C), requester: ref('PractitionerRole', ids.R1) });
  ids.T1 = await create({ resourceType: 'Task', status: 'requested', intent: 'order', focus: ref('ServiceRequest', ids.SR1), for: ref('Patient', ids.C), owner: ref('PractitionerRole', ids.R2) });
  ids.M1 = await create({ resourceType: 'Media', status: 'completed', subject: ref('Patient', ids.C), basedOn: [ref('ServiceRequest', ids.SR1)], content: { contentType: 'text/plain', data: Buffer.from('x').toString('base64') } });
  ids.O1 = await create({ resourceType: 'Observation', status: 'final', code: { text: 'not in the consult' }, subject: ref('Patient', ids.C) });
  ids.CT = await create({ resourceType: 'CareTeam', participant: [{ member: ref('Practitioner', ids.P4) }] });
  ids.SR2 = await create({ resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: ref('Patient', ids.D), requester: ref('Practitioner', ids.P3), performer: [ref('CareTeam', ids.CT)] });
  ids.M2 = await create({ resourceType: 'Media', status: 'completed', subject: ref('Patient', ids.D), basedOn: [ref('ServiceRequest', ids.SR2)], content: { contentType: 'text/plain', data: Buffer.from('y').toString('base64') } });
  return ids;
}

describe('practitioners (user/ scopes), organisation rule off (default)', () => {
  let t: TestApp;
  let ids: Record<string, string>;
  const as = async (fhirUser: string, scope = 'user/*.cruds') => bearer(await accessToken(t, { scope, extra: { fhirUser } }));

  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart' });
    ids = await seed(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the requester (through their PractitionerRole) reads the consult, its Task, Media and Patient; not the other consult', async () => {
    const p1 = await as(`Practitioner/${ids.P1}`);
    for (const path of [`ServiceRequest/${ids.SR1}`, `Task/${ids.T1}`, `Media/${ids.M1}`, `Patient/${ids.C}`]) await t.request.get(`/fhir/${path}`).set(p1).expect(200);
    for (const path of [`ServiceRequest/${ids.SR2}`, `Media/${ids.M2}`, `Patient/${ids.D}`, `Observation/${ids.O1}`]) expectForbidden(await t.request.get(`/fhir/${path}`).set(p1));
    expect(entryIds((await t.request.get('/fhir/ServiceRequest').set(p1).expect(200)).body)).toEqual([`ServiceRequest/${ids.SR1}`]);
    const withIncludes = (await t.request.get(`/fhir/ServiceRequest?_revinclude=Task:focus&_revinclude=Media:based-on&_include=ServiceRequest:subject`).set(p1).expect(200)).body as Bundle;
    expect(entryIds(withIncludes)).toEqual([`ServiceRequest/${ids.SR1}`, `Task/${ids.T1}`, `Media/${ids.M1}`, `Patient/${ids.C}`].sort());
  });

  it('the Task owner (PractitionerRole fhirUser) sees the consult', async () => {
    const r2 = await as(`PractitionerRole/${ids.R2}`);
    await t.request.get(`/fhir/ServiceRequest/${ids.SR1}`).set(r2).expect(200);
    expectForbidden(await t.request.get(`/fhir/ServiceRequest/${ids.SR2}`).set(r2));
  });

  it('a CareTeam participant sees the consult the CareTeam performs', async () => {
    const p4 = await as(`Practitioner/${ids.P4}`);
    await t.request.get(`/fhir/ServiceRequest/${ids.SR2}`).set(p4).expect(200);
    await t.request.get(`/fhir/Media/${ids.M2}`).set(p4).expect(200);
    expectForbidden(await t.request.get(`/fhir/ServiceRequest/${ids.SR1}`).set(p4));
  });

  it('a practitioner outside the consult is denied: read 403, search empty, history without it, writes 403', async () => {
    const p3 = await as(`Practitioner/${ids.P3}`);
    expectForbidden(await t.request.get(`/fhir/ServiceRequest/${ids.SR1}`).set(p3));
    expectForbidden(await t.request.get(`/fhir/Task/${ids.T1}/_history`).set(p3));
    expect(entryIds((await t.request.get('/fhir/Task').set(p3).expect(200)).body)).toEqual([]);
    expect(entryIds((await t.request.get('/fhir/ServiceRequest/_history').set(p3).expect(200)).body)).toEqual([`ServiceRequest/${ids.SR2}`]);
    expectForbidden(await t.request.post('/fhir/Media').set(p3).send({ resourceType: 'Media', status: 'completed', basedOn: [{ reference: `ServiceRequest/${ids.SR1}` }], content: { contentType: 'text/plain', data: 'eA==' } }));
  });

  it('a colleague in the same organisation is denied while the organisation rule is off', async () => {
    expectForbidden(await t.request.get(`/fhir/ServiceRequest/${ids.SR1}`).set(await as(`Practitioner/${ids.P5}`)));
  });

  it('a practitioner creates a consult they request, then its Task in a transaction', async () => {
    const p3 = await as(`Practitioner/${ids.P3}`);
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: 'urn:uuid:0b7c1c5e-2a55-4a3e-9d7e-000000000001', request: { method: 'POST', url: 'ServiceRequest' }, resource: { resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: { reference: `Patient/${ids.D}` }, requester: { reference: `Practitioner/${ids.P3}` } } },
      { request: { method: 'POST', url: 'Task' }, resource: { resourceType: 'Task', status: 'requested', intent: 'order', focus: { reference: 'urn:uuid:0b7c1c5e-2a55-4a3e-9d7e-000000000001' } } },
    ] };
    await t.request.post('/fhir').set(p3).send(bundle).expect(200);
  });

  it('user/ scopes without a practitioner fhirUser see no patient data', async () => {
    expectForbidden(await t.request.get(`/fhir/ServiceRequest/${ids.SR1}`).set(bearer(await accessToken(t, { scope: 'user/*.rs' }))));
  });
});

describe('organisation rule on (RELAY_ACCESS_ORGANISATION_RULE=true)', () => {
  let t: TestApp;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart', accessOrganisationRule: true });
    ids = await seed(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a colleague in the owning organisation sees the consult; one elsewhere does not', async () => {
    const p5 = bearer(await accessToken(t, { scope: 'user/*.rs', extra: { fhirUser: `Practitioner/${ids.P5}` } }));
    await t.request.get(`/fhir/ServiceRequest/${ids.SR1}`).set(p5).expect(200);
    expectForbidden(await t.request.get(`/fhir/ServiceRequest/${ids.SR2}`).set(p5));
  });
});

describe('organisations isolated (system/ clients with an organization claim)', () => {
  let t: TestApp;
  let ids: Record<string, string>;
  const client = async (org: string) => bearer(await accessToken(t, { scope: 'system/*.cruds', extra: { organization: `Organization/${org}` } }));

  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart' });
    ids = await seed(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the requesting organisation’s client sees its consult and what points at it', async () => {
    const org1 = await client(ids.Org1);
    for (const path of [`ServiceRequest/${ids.SR1}`, `Task/${ids.T1}`, `Media/${ids.M1}`]) await t.request.get(`/fhir/${path}`).set(org1).expect(200);
    expect(entryIds((await t.request.get('/fhir/Media').set(org1).expect(200)).body)).toEqual([`Media/${ids.M1}`]);
  });

  it('another organisation’s client is denied the consult: read 403, search and _revinclude without it', async () => {
    const org3 = await client(ids.Org3);
    expectForbidden(await t.request.get(`/fhir/ServiceRequest/${ids.SR1}`).set(org3));
    expectForbidden(await t.request.get(`/fhir/Media/${ids.M1}`).set(org3));
    expect(entryIds((await t.request.get('/fhir/ServiceRequest').set(org3).expect(200)).body)).toEqual([]);
    const patients = (await t.request.get(`/fhir/Patient?_id=${ids.C}&_revinclude=Media:subject`).set(org3).expect(200)).body as Bundle;
    expect(entryIds(patients)).toEqual([`Patient/${ids.C}`]);
    expectForbidden(await t.request.put(`/fhir/Task/${ids.T1}`).set(org3).send({ resourceType: 'Task', id: ids.T1, status: 'cancelled', intent: 'order', focus: { reference: `ServiceRequest/${ids.SR1}` } }));
  });
});
