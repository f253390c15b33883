/**
 * Acceptance (issue 4): a transaction succeeds or fails as a whole (R4 http.html#transaction: "If any
 * resource interaction fails, the entire transaction fails" and nothing it did remains), and a batch
 * does not (each entry stands alone). A failed transaction answers the failing entry's status with an
 * OperationOutcome whose expressions are prefixed `Bundle.entry[n]`.
 */
import type { Bundle, BundleEntry, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { BUNDLE_TAG_SYSTEM, generatePatientBundle } from './helpers/patient-bundle';
import { entryLocation, entryStatus, outcomeExpressions } from './helpers/bundle-response';

const FHIR = 'application/fhir+json';
const SYSTEM = 'urn:relay:test:atomicity';
const TYPES = ['Patient', 'Observation', 'Organization', 'Encounter'] as const;

const patient = (value: string, family = 'Okafor'): Patient => ({ resourceType: 'Patient', identifier: [{ system: SYSTEM, value }], name: [{ family }], gender: 'female' });
const observation = (value: string, subject: string, status: string = 'final'): Observation => ({
  resourceType: 'Observation',
  identifier: [{ system: SYSTEM, value }],
  status: status as Observation['status'],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: subject },
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});
const transaction = (entry: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry });

describe('transaction atomicity and batch independence', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (bundle: Bundle) => t.request.post('/fhir').set('Content-Type', FHIR).send(bundle);
  const create = async <T extends { resourceType: string }>(resource: T): Promise<T & { id: string }> => {
    const res = await t.request.post(`/fhir/${resource.resourceType}`).set('Content-Type', FHIR).send(resource);
    expect(res.status).toBe(201);
    return res.body;
  };

  /** Everything a failed transaction must leave as it was: per-type totals, system history size, and the version of each given resource. */
  async function snapshot(refs: string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const type of TYPES) out[type] = (await t.request.get(`/fhir/${type}?_summary=count`)).body.total;
    out.history = (await t.request.get('/fhir/_history?_count=0')).body.total;
    for (const ref of refs) {
      const res = await t.request.get(`/fhir/${ref}`);
      out[ref] = `${res.status} v${res.body?.meta?.versionId ?? '-'}`;
    }
    return out;
  }

  /** Asserts a failed transaction: `status`, an OperationOutcome, and expressions pointing at entry `index` (and no other). */
  function expectFailureAt(res: { status: number; body: OperationOutcome }, status: number, index: number): void {
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status, resourceType: 'OperationOutcome' });
    const expressions = outcomeExpressions(res.body);
    expect(expressions.some((e) => e.startsWith(`Bundle.entry[${index}]`))).toBe(true);
    expect(expressions.filter((e) => /^Bundle\.entry\[\d+\]/.test(e) && !e.startsWith(`Bundle.entry[${index}]`))).toEqual([]);
  }

  it('rejects a transaction whose last entry is invalid with a 400 naming Bundle.entry[last], and leaves every count and every touched resource as it was', async () => {
    const kept = await create(patient('seed-kept'));
    await t.request.put(`/fhir/Patient/${kept.id}`).set('Content-Type', FHIR).send({ ...patient('seed-kept', 'Version2'), id: kept.id });
    const doomed = await create(patient('seed-doomed'));
    const org = await create({ resourceType: 'Organization', identifier: [{ system: SYSTEM, value: 'seed-org' }], name: 'Seed clinic' });
    const obs = await create(observation('seed-obs', `Patient/${kept.id}`));
    const condDeleted = await create(patient('seed-cond-delete'));
    const refs = [`Patient/${kept.id}`, `Patient/${doomed.id}`, `Organization/${org.id}`, `Observation/${obs.id}`, `Patient/${condDeleted.id}`];
    const before = await snapshot(refs);
    expect(before[`Patient/${kept.id}`]).toBe('200 v2');

    const entries: BundleEntry[] = [
      { fullUrl: 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0001', resource: patient('tx-new'), request: { method: 'POST', url: 'Patient' } },
      { resource: { ...patient('seed-kept', 'Version3'), id: kept.id }, request: { method: 'PUT', url: `Patient/${kept.id}` } },
      { request: { method: 'DELETE', url: `Patient/${doomed.id}` } },
      { request: { method: 'DELETE', url: `Patient?identifier=${SYSTEM}|seed-cond-delete` } },
      { resource: { resourceType: 'Organization', id: org.id, name: 'Renamed clinic' }, request: { method: 'PUT', url: `Organization/${org.id}` } },
      { resource: { ...observation('seed-obs', 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0001'), id: obs.id }, request: { method: 'PUT', url: `Observation/${obs.id}` } },
      { resource: { ...patient('tx-put-new'), id: 'tx-put-new' }, request: { method: 'PUT', url: 'Patient/tx-put-new' } },
      { fullUrl: 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0002', resource: observation('tx-obs-ok', 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0001'), request: { method: 'POST', url: 'Observation' } },
      { fullUrl: 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0003', resource: observation('tx-obs-bad', 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0001', 'finished'), request: { method: 'POST', url: 'Observation' } },
    ];
    const res = await post(transaction(entries));
    expectFailureAt(res, 400, entries.length - 1);
    expect(outcomeExpressions(res.body).some((e) => e.startsWith(`Bundle.entry[${entries.length - 1}]`) && e.endsWith('status'))).toBe(true);

    expect(await snapshot(refs)).toEqual(before);
    expect((await t.request.get('/fhir/Patient/tx-put-new')).status).toBe(404);
    expect((await t.request.get(`/fhir/Patient?identifier=${SYSTEM}|tx-new&_summary=count`)).body.total).toBe(0);
    expect((await t.request.get(`/fhir/Observation?identifier=${SYSTEM}|tx-obs-ok&_summary=count`)).body.total).toBe(0);
    expect((await t.request.get(`/fhir/Patient/${kept.id}`)).body.name[0].family).toBe('Version2');
  });

  it('undoes the DELETE and POST entries already run when a later PUT fails its ifMatch (412)', async () => {
    // Processing order puts DELETE and POST before PUT, so both have run when the stale If-Match is found.
    const victim = await create(patient('undo-delete'));
    const guarded = await create(patient('undo-guarded'));
    await t.request.put(`/fhir/Patient/${guarded.id}`).set('Content-Type', FHIR).send({ ...patient('undo-guarded', 'Second'), id: guarded.id });
    const refs = [`Patient/${victim.id}`, `Patient/${guarded.id}`];
    const before = await snapshot(refs);
    const entries: BundleEntry[] = [
      { resource: { ...patient('undo-guarded', 'Stale'), id: guarded.id }, request: { method: 'PUT', url: `Patient/${guarded.id}`, ifMatch: 'W/"1"' } },
      { request: { method: 'DELETE', url: `Patient/${victim.id}` } },
      { fullUrl: 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0010', resource: patient('undo-new'), request: { method: 'POST', url: 'Patient' } },
      { resource: observation('undo-obs', 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0010'), request: { method: 'POST', url: 'Observation' } },
    ];
    expectFailureAt(await post(transaction(entries)), 412, 0);
    expect(await snapshot(refs)).toEqual(before);
    expect((await t.request.get(`/fhir/Patient?identifier=${SYSTEM}|undo-new&_summary=count`)).body.total).toBe(0);
  });

  it('makes one resource from 10 concurrent transactions that conditionally create it, each linking its Observation to that one', async () => {
    const bundles = Array.from({ length: 10 }, (_, i) =>
      transaction([
        { fullUrl: 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0020', resource: patient('race-tx'), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYSTEM}|race-tx` } },
        { fullUrl: 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0021', resource: observation(`race-tx-obs-${i}`, 'urn:uuid:7d0f2d2e-8d53-4a53-9b0c-5a1b8c0d0020'), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    const answers = await Promise.all(bundles.map((b) => post(b)));
    expect(answers.map((a) => a.status)).toEqual(bundles.map(() => 200));
    expect(answers.map((a) => entryStatus(a.body.entry?.[0])).sort()).toEqual([...Array.from({ length: 9 }, () => 200), 201]);
    const found = await t.request.get(`/fhir/Patient?identifier=${SYSTEM}|race-tx`);
    expect(found.body.total).toBe(1);
    const ref = `Patient/${found.body.entry[0].resource.id}`;
    const subjects = await t.request.get(`/fhir/Observation?subject=${ref}&_summary=count`);
    expect(subjects.body.total).toBe(10);
  });

  it('never shows a concurrent reader a transaction half applied: every count taken while it runs is 0 or all', async () => {
    const pb = generatePatientBundle({ seed: 77_001, key: 'isolation' });
    const countUrl = `/fhir?_tag=${encodeURIComponent(`${BUNDLE_TAG_SYSTEM}|${pb.key}`)}&_summary=count`;
    let done = false;
    const posting = (async () => {
      try {
        return await post(pb.bundle as Bundle);
      } finally {
        done = true;
      }
    })();
    const seen: number[] = [];
    do seen.push((await t.request.get(countUrl)).body.total);
    while (!done);
    expect((await posting).status).toBe(200);
    seen.push((await t.request.get(countUrl)).body.total);
    expect(seen.filter((n) => n !== 0 && n !== pb.bundle.entry.length)).toEqual([]);
    expect(seen[seen.length - 1]).toBe(pb.bundle.entry.length);
  }, 60_000);

  it('rejects with 400 a transaction whose conditional reference matches nothing, and stores nothing', async () => {
    const before = await snapshot([]);
    const entries: BundleEntry[] = [
      { fullUrl: 'urn:uuid:5b3c1f8e-3c61-4d3e-8f0e-2a7b1c0d0001', resource: patient('cref-none-new'), request: { method: 'POST', url: 'Patient' } },
      { resource: observation('cref-none-obs', `Patient?identifier=${SYSTEM}|nobody-has-this`), request: { method: 'POST', url: 'Observation' } },
    ];
    expectFailureAt(await post(transaction(entries)), 400, 1);
    expect(await snapshot([])).toEqual(before);
  });

  it('rejects with 412 a transaction whose conditional reference matches several resources, and stores nothing', async () => {
    await create(patient('cref-twice'));
    await create(patient('cref-twice'));
    const before = await snapshot([]);
    const entries: BundleEntry[] = [
      { fullUrl: 'urn:uuid:5b3c1f8e-3c61-4d3e-8f0e-2a7b1c0d0002', resource: patient('cref-many-new'), request: { method: 'POST', url: 'Patient' } },
      { resource: observation('cref-many-obs', `Patient?identifier=${SYSTEM}|cref-twice`), request: { method: 'POST', url: 'Observation' } },
    ];
    expectFailureAt(await post(transaction(entries)), 412, 1);
    expect(await snapshot([])).toEqual(before);
  });

  it('resolves a conditional reference that matches exactly one resource to that resource', async () => {
    const target = await create(patient('cref-once'));
    const res = await post(transaction([{ resource: observation('cref-once-obs', `Patient?identifier=${SYSTEM}|cref-once`), request: { method: 'POST', url: 'Observation' } }]));
    expect(res.status).toBe(200);
    const loc = entryLocation(res.body.entry?.[0]);
    expect((await t.request.get(`/fhir/${loc?.ref}`)).body.subject).toEqual({ reference: `Patient/${target.id}` });
  });

  it('rejects with 400 two entries that name the same resource (PUT and DELETE of Patient/x), and changes nothing', async () => {
    const x = await create(patient('dup-x'));
    const before = await snapshot([`Patient/${x.id}`]);
    const entries: BundleEntry[] = [
      { resource: { ...patient('dup-x', 'Changed'), id: x.id }, request: { method: 'PUT', url: `Patient/${x.id}` } },
      { request: { method: 'DELETE', url: `Patient/${x.id}` } },
    ];
    const res = await post(transaction(entries));
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
    expect(outcomeExpressions(res.body).some((e) => /^Bundle\.entry\[[01]\]/.test(e))).toBe(true);
    expect(await snapshot([`Patient/${x.id}`])).toEqual(before);
  });

  it('rejects with 400 two PUTs of the same new id, and creates neither', async () => {
    const before = await snapshot([]);
    const entries: BundleEntry[] = [
      { resource: { ...patient('dup-new-1'), id: 'dup-same-id' }, request: { method: 'PUT', url: 'Patient/dup-same-id' } },
      { resource: { ...patient('dup-new-2'), id: 'dup-same-id' }, request: { method: 'PUT', url: 'Patient/dup-same-id' } },
    ];
    const res = await post(transaction(entries));
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
    expect(await snapshot([])).toEqual(before);
    expect((await t.request.get('/fhir/Patient/dup-same-id')).status).toBe(404);
  });

  it('rejects with 400 a conditional update whose match is also updated by id in the same transaction (identities resolved, then compared)', async () => {
    const y = await create(patient('dup-resolved'));
    const before = await snapshot([`Patient/${y.id}`]);
    const entries: BundleEntry[] = [
      { resource: patient('dup-resolved', 'ByCriteria'), request: { method: 'PUT', url: `Patient?identifier=${SYSTEM}|dup-resolved` } },
      { resource: { ...patient('dup-resolved', 'ById'), id: y.id }, request: { method: 'PUT', url: `Patient/${y.id}` } },
    ];
    const res = await post(transaction(entries));
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
    expect(await snapshot([`Patient/${y.id}`])).toEqual(before);
  });

  it('processes a batch entry by entry: the failing ones get their own status and outcome, the others take effect', async () => {
    const existing = await create(patient('batch-existing'));
    const entries: BundleEntry[] = [
      { resource: patient('batch-ok-1'), request: { method: 'POST', url: 'Patient' } },
      { resource: observation('batch-bad', `Patient/${existing.id}`, 'not-a-status'), request: { method: 'POST', url: 'Observation' } },
      { request: { method: 'GET', url: 'Patient/batch-no-such-patient' } },
      { resource: { ...patient('batch-ok-put'), id: 'batch-put' }, request: { method: 'PUT', url: 'Patient/batch-put' } },
      { resource: { ...patient('batch-existing', 'Stale'), id: existing.id }, request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: 'W/"9"' } },
      { request: { method: 'GET', url: `Patient/${existing.id}` } },
    ];
    const res = await post({ resourceType: 'Bundle', type: 'batch', entry: entries });
    expect({ status: res.status, type: res.body.type }).toEqual({ status: 200, type: 'batch-response' });
    const out: BundleEntry[] = res.body.entry;
    expect(out.map(entryStatus)).toEqual([201, 400, 404, 201, 412, 200]);
    for (const i of [1, 2, 4]) expect({ i, outcome: out[i].response?.outcome?.resourceType }).toEqual({ i, outcome: 'OperationOutcome' });
    expect(outcomeExpressions(out[1].response?.outcome).some((e) => e.endsWith('status'))).toBe(true);

    const created = entryLocation(out[0]);
    expect((await t.request.get(`/fhir/${created?.ref}`)).body.identifier[0].value).toBe('batch-ok-1');
    expect((await t.request.get('/fhir/Patient/batch-put')).status).toBe(200);
    expect((await t.request.get(`/fhir/Observation?identifier=${SYSTEM}|batch-bad&_summary=count`)).body.total).toBe(0);
    expect((await t.request.get(`/fhir/Patient/${existing.id}`)).body.meta.versionId).toBe('1');
    expect(out[5].resource).toMatchObject({ resourceType: 'Patient', id: existing.id });
  });
});
