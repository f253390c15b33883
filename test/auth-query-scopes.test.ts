/**
 * SMART v2 scopes with a query restriction (SMART App Launch 2.x scopes-and-launch-context.html,
 * "Finer-grained resource constraints using search parameters"): `Observation.rs?category=...|laboratory`
 * shows lab Observations only, through every path (read, vread, search and its total, _include,
 * _revinclude, history, Bundles), lets c/u/d write only matching content over matching content, and
 * unites with the token's other scopes. A scope whose query cannot be enforced refuses the token.
 */
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer } from './helpers/auth';
import { grantScopes, parseScope, parseScopes } from '../src/auth/scopes';
import { restrictionFor } from '../src/access/restriction';
import type { Grant } from '../src/auth/grant';
import type { Collections } from '../src/storage/port';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LAB = `Observation.rs?category=${CATEGORY}|laboratory`;

let t: TestApp;
let admin: Record<string, string>;
const ids: Record<string, string> = {};

const obs = (category: string, label: string, patient = ids.P) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: CATEGORY, code: category }] }],
  code: { text: label },
  subject: { reference: `Patient/${patient}` },
});

async function create(resource: Record<string, unknown>): Promise<string> {
  const res = await t.request.post(`/fhir/${resource.resourceType as string}`).set(admin).send(resource);
  if (res.status !== 201) throw new Error(`seed ${resource.resourceType as string}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

const as = async (scope: string, extra?: Record<string, unknown>) => bearer(await accessToken(t, { scope, extra }));
const entryIds = (bundle: Bundle, mode?: 'match' | 'include') =>
  (bundle.entry ?? []).filter((e) => !mode || e.search?.mode === mode).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`).sort();
const refs = (...keys: string[]) => keys.map((k) => `${k.startsWith('o') ? 'Observation' : k.startsWith('r') ? 'DiagnosticReport' : 'Patient'}/${ids[k]}`).sort();

function expectForbidden(res: { status: number; body: unknown; text: string }, content?: RegExp): void {
  expect(res.status).toBe(403);
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue?.[0]).toMatchObject({ severity: 'error', code: 'forbidden' });
  if (content) expect(res.text).not.toMatch(content);
}

/** How many Observations with `label` as code text the store holds (seen by the unrestricted admin). */
async function stored(label: string): Promise<number> {
  return ((await t.request.get(`/fhir/Observation?code:text=${label}&_summary=count`).set(admin).expect(200)).body as Bundle).total as number;
}

beforeAll(async () => {
  t = await startTestApp({ auth: 'smart' });
  admin = bearer(await accessToken(t, { scope: 'system/*.cruds' }));
  ids.P = await create({ resourceType: 'Patient', name: [{ family: 'Curie' }] });
  ids.Q = await create({ resourceType: 'Patient', name: [{ family: 'Other' }] });
  ids.oLab1 = await create(obs('laboratory', 'glucose'));
  ids.oLab2 = await create(obs('laboratory', 'sodium'));
  ids.oVital = await create(obs('vital-signs', 'pulse-secret'));
  ids.oExam = await create(obs('exam', 'reflexes'));
  ids.oLabQ = await create(obs('laboratory', 'potassium', ids.Q));
  // Version 1 was a vital sign, version 2 is a lab result: only version 2 is visible.
  ids.oMoved = await create(obs('vital-signs', 'moved-secret'));
  await t.request.put(`/fhir/Observation/${ids.oMoved}`).set(admin).send({ ...obs('laboratory', 'moved'), id: ids.oMoved }).expect(200);
  ids.rPanel = await create({
    resourceType: 'DiagnosticReport',
    status: 'final',
    code: { text: 'panel' },
    subject: { reference: `Patient/${ids.P}` },
    result: [{ reference: `Observation/${ids.oLab1}` }, { reference: `Observation/${ids.oVital}` }],
  });
});

afterAll(async () => {
  await t?.close();
});

describe('a lab-only scope (system/Observation.rs?category=...|laboratory)', () => {
  let lab: Record<string, string>;
  beforeAll(async () => {
    lab = await as(`system/${LAB} system/Patient.rs system/DiagnosticReport.rs`);
  });

  it('reads and vreads lab Observations', async () => {
    expect((await t.request.get(`/fhir/Observation/${ids.oLab1}`).set(lab).expect(200)).body.id).toBe(ids.oLab1);
    await t.request.get(`/fhir/Observation/${ids.oLab1}/_history/1`).set(lab).expect(200);
  });

  it('answers 403 (OperationOutcome, no content) for a vital-signs Observation: read, vread, instance history', async () => {
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oVital}`).set(lab), /pulse-secret/);
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oVital}/_history/1`).set(lab), /pulse-secret/);
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oVital}/_history`).set(lab), /pulse-secret/);
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oMoved}/_history/1`).set(lab), /moved-secret/);
  });

  it('searches only lab Observations, and counts and pages only them', async () => {
    const all = (await t.request.get('/fhir/Observation').set(lab).expect(200)).body as Bundle;
    expect(entryIds(all)).toEqual(refs('oLab1', 'oLab2', 'oLabQ', 'oMoved'));
    expect(all.total).toBe(4);
    const page = (await t.request.get('/fhir/Observation?_count=3').set(lab).expect(200)).body as Bundle;
    expect(page.entry).toHaveLength(3);
    const next = page.link?.find((l) => l.relation === 'next')?.url as string;
    const rest = (await t.request.get(next.slice(next.indexOf('/fhir'))).set(lab).expect(200)).body as Bundle;
    expect([...entryIds(page), ...entryIds(rest)].sort()).toEqual(refs('oLab1', 'oLab2', 'oLabQ', 'oMoved'));
    const searched = (await t.request.get(`/fhir/Observation?category=vital-signs`).set(lab).expect(200)).body as Bundle;
    expect(searched.total).toBe(0);
    const system = (await t.request.get('/fhir?_type=Observation').set(lab).expect(200)).body as Bundle;
    expect(entryIds(system)).toEqual(refs('oLab1', 'oLab2', 'oLabQ', 'oMoved'));
  });

  it('leaves vital signs out of _include and _revinclude', async () => {
    const included = (await t.request.get(`/fhir/DiagnosticReport?_id=${ids.rPanel}&_include=DiagnosticReport:result`).set(lab).expect(200)).body as Bundle;
    expect(entryIds(included, 'include')).toEqual(refs('oLab1'));
    const reverse = (await t.request.get(`/fhir/Patient?_id=${ids.P}&_revinclude=Observation:subject`).set(lab).expect(200)).body as Bundle;
    expect(entryIds(reverse, 'include')).toEqual(refs('oLab1', 'oLab2', 'oMoved'));
    expect(JSON.stringify(reverse)).not.toMatch(/pulse-secret/);
  });

  it('leaves vital signs out of type history, also earlier vital-signs versions of a lab Observation', async () => {
    const history = (await t.request.get('/fhir/Observation/_history?_count=100').set(lab).expect(200)).body as Bundle;
    const versions = (history.entry ?? []).map((e) => `${e.resource?.id}/${e.resource?.meta?.versionId}`).sort();
    expect(versions).toEqual([`${ids.oLab1}/1`, `${ids.oLab2}/1`, `${ids.oLabQ}/1`, `${ids.oMoved}/2`].sort());
    expect(JSON.stringify(history)).not.toMatch(/secret/);
  });

  it('answers a batch GET of a vital sign with 403 in its entry', async () => {
    const res = await t.request
      .post('/fhir')
      .set(lab)
      .send({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Observation/${ids.oLab1}` } }, { request: { method: 'GET', url: `Observation/${ids.oVital}` } }] })
      .expect(200);
    expect((res.body as Bundle).entry?.map((e) => e.response?.status)).toEqual([expect.stringMatching(/^200/), expect.stringMatching(/^403/)]);
    expect(res.text).not.toMatch(/pulse-secret/);
  });
});

describe('writes under a lab-only scope (system/Observation.cruds?category=...|laboratory)', () => {
  let writer: Record<string, string>;
  beforeAll(async () => {
    writer = await as(`system/Observation.cruds?category=${CATEGORY}|laboratory`);
  });

  it('creates a lab Observation', async () => {
    await t.request.post('/fhir/Observation').set(writer).send(obs('laboratory', 'created-lab')).expect(201);
    expect(await stored('created-lab')).toBe(1);
  });

  it('refuses to create a vital-signs Observation with 403, and stores nothing', async () => {
    expectForbidden(await t.request.post('/fhir/Observation').set(writer).send(obs('vital-signs', 'created-vital')));
    expect(await stored('created-vital')).toBe(0);
  });

  it('refuses the same create inside a transaction, which stores nothing', async () => {
    const res = await t.request
      .post('/fhir')
      .set(writer)
      .send({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: obs('laboratory', 'tx-lab'), request: { method: 'POST', url: 'Observation' } },
          { resource: obs('vital-signs', 'tx-vital'), request: { method: 'POST', url: 'Observation' } },
        ],
      });
    expectForbidden(res);
    expect(await stored('tx-lab')).toBe(0);
    expect(await stored('tx-vital')).toBe(0);
  });

  it('refuses to turn a lab Observation into a vital sign, or a vital sign into a lab Observation', async () => {
    const id = await create(obs('laboratory', 'to-change'));
    expectForbidden(await t.request.put(`/fhir/Observation/${id}`).set(writer).send({ ...obs('vital-signs', 'to-change'), id }));
    expectForbidden(await t.request.put(`/fhir/Observation/${ids.oVital}`).set(writer).send({ ...obs('laboratory', 'pulse-secret'), id: ids.oVital }));
    const after = await t.request.get(`/fhir/Observation/${id}`).set(admin).expect(200);
    expect(after.body.meta.versionId).toBe('1');
    expect((await t.request.get(`/fhir/Observation/${ids.oVital}`).set(admin).expect(200)).body.category[0].coding[0].code).toBe('vital-signs');
    await t.request.put(`/fhir/Observation/${id}`).set(writer).send({ ...obs('laboratory', 'to-change'), id, status: 'amended' }).expect(200);
  });

  it('deletes a lab Observation but not a vital sign', async () => {
    const id = await create(obs('laboratory', 'to-delete'));
    expectForbidden(await t.request.delete(`/fhir/Observation/${ids.oVital}`).set(writer));
    await t.request.get(`/fhir/Observation/${ids.oVital}`).set(admin).expect(200);
    await t.request.delete(`/fhir/Observation/${id}`).set(writer).expect((res) => expect([200, 204]).toContain(res.status));
    await t.request.get(`/fhir/Observation/${id}`).set(admin).expect(410);
  });

  it('keeps the letters apart: unrestricted read with lab-only create', async () => {
    const mixed = await as(`system/Observation.rs system/Observation.c?category=${CATEGORY}|laboratory`);
    await t.request.get(`/fhir/Observation/${ids.oVital}`).set(mixed).expect(200);
    expectForbidden(await t.request.post('/fhir/Observation').set(mixed).send(obs('vital-signs', 'mixed-vital')));
    expect(await stored('mixed-vital')).toBe(0);
    await t.request.post('/fhir/Observation').set(mixed).send(obs('laboratory', 'mixed-lab')).expect(201);
  });
});

describe('union of scopes', () => {
  const seeded = () => `_id=${['oLab1', 'oLab2', 'oVital', 'oExam', 'oMoved', 'oLabQ'].map((k) => ids[k]).join(',')}`;

  it('two restricted scopes: a resource either matches is visible, the others are not', async () => {
    const both = await as(`system/${LAB} system/Observation.rs?category=${CATEGORY}|vital-signs`);
    await t.request.get(`/fhir/Observation/${ids.oVital}`).set(both).expect(200);
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oExam}`).set(both));
    const found = (await t.request.get(`/fhir/Observation?subject=Patient/${ids.P}&${seeded()}`).set(both).expect(200)).body as Bundle;
    expect(entryIds(found)).toEqual(refs('oLab1', 'oLab2', 'oVital', 'oMoved'));
  });

  it('with an unrestricted scope on the same letters, everything of the type', async () => {
    const wide = await as(`system/${LAB} system/Observation.rs`);
    await t.request.get(`/fhir/Observation/${ids.oVital}`).set(wide).expect(200);
    const found = (await t.request.get(`/fhir/Observation?subject=Patient/${ids.P}&${seeded()}`).set(wide).expect(200)).body as Bundle;
    expect(found.total).toBe(5);
  });

  it('a restricted scope with a patient/ context: the compartment and the query both apply', async () => {
    const patient = await as(`patient/${LAB} patient/Patient.rs`, { patient: `Patient/${ids.P}` });
    await t.request.get(`/fhir/Observation/${ids.oLab1}`).set(patient).expect(200);
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oVital}`).set(patient));
    expectForbidden(await t.request.get(`/fhir/Observation/${ids.oLabQ}`).set(patient));
    const found = (await t.request.get(`/fhir/Observation?${seeded()}`).set(patient).expect(200)).body as Bundle;
    expect(entryIds(found)).toEqual(refs('oLab1', 'oLab2', 'oMoved'));
  });
});

describe('a scope whose query cannot be enforced', () => {
  it.each([
    ['an unknown parameter', 'system/Observation.rs?colour=red', /unknown search parameter colour on Observation/],
    ['a chained parameter', 'system/Observation.rs?subject:Patient.name=Curie', /chained parameters/],
    ['a result parameter', 'system/Observation.rs?_count=1', /only search filters/],
    ['a malformed value', 'system/Observation.rs?date=yesterday', /date/],
    ['a type-specific parameter on every type', 'system/*.rs?category=laboratory', /unknown search parameter category/],
  ])('refuses the token (401 invalid_token, naming the scope): %s', async (_what, scope, reason) => {
    const res = await t.request.get(`/fhir/Patient/${ids.P}`).set(await as(`system/Patient.rs ${scope}`));
    expect(res.status).toBe(401);
    expect((res.body as OperationOutcome).issue?.[0]).toMatchObject({ severity: 'error', code: 'login' });
    expect((res.body as OperationOutcome).issue?.[0].diagnostics).toContain(`the scope ${scope} cannot be enforced`);
    expect((res.body as OperationOutcome).issue?.[0].diagnostics).toMatch(reason);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('is never granted by the token endpoint, and parses as refused', () => {
    expect(parseScope('system/Observation.rs?colour=red')?.refused).toMatch(/colour/);
    expect(grantScopes('system/Observation.rs?colour=red system/Patient.rs', ['system/*.rs'])).toEqual(['system/Patient.rs']);
    expect(() => parseScopes('system/Observation.rs?colour=red')).toThrow(/cannot be enforced/);
  });
});

describe('the instance-level rule of query-restricted scopes, letter by letter', () => {
  const visibleFor = (scope: string) => {
    const grant: Grant = { issuer: 'i', subject: 'c', clientId: 'c', scopes: parseScopes(scope).resource, otherScopes: [] };
    return restrictionFor(grant, {}).resolve({} as Collections, 'http://relay.test/fhir');
  };
  const observation = (category: string) => ({ ...obs(category, 'x', 'p'), id: 'o' }) as Resource;

  it('checks a write against the scopes granting its own letter', async () => {
    const visible = await visibleFor(`system/Observation.c?category=${CATEGORY}|laboratory system/Observation.u system/Observation.rs`);
    expect(visible.mayWrite(observation('vital-signs'), 'new', 'u')).toBe(true);
    expect(visible.mayWrite(observation('vital-signs'), 'new', 'c')).toBe(false);
    expect(visible.mayWrite(observation('laboratory'), 'new', 'c')).toBe(true);
    // Without the letter, new content must satisfy every write letter the token grants that could apply (c and u).
    expect(visible.mayWrite(observation('vital-signs'), 'new')).toBe(false);
    expect(visible.mayWrite(observation('laboratory'), 'new')).toBe(true);
  });

  it('compiles what r and s permit into the filter of the type, and leaves other types alone', async () => {
    const visible = await visibleFor(`system/${LAB} system/Patient.rs`);
    expect(JSON.stringify(visible.filter('Observation'))).toContain('laboratory');
    expect(visible.filter('Patient')).toBeUndefined();
    expect(visible.contains(observation('laboratory'))).toBe(true);
    expect(visible.contains(observation('vital-signs'))).toBe(false);
  });
});
