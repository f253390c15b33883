/**
 * Acceptance (issue 4): every JSON Patch operation and every FHIRPath Patch operation gives the same
 * result as a PATCH request, as a transaction entry and as a batch entry; and a failing patch entry
 * (a bad path, an invalid result) changes nothing, in a transaction and in a batch.
 */
import type { Bundle, BundleEntry, OperationOutcome, Parameters, Patient } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const JSON_PATCH = 'application/json-patch+json';
const SYSTEM = 'urn:relay:test:bundle-patch';

type Part = NonNullable<Parameters['parameter']>[number];
const operation = (type: string, path: string, ...parts: Part[]): Part => ({
  name: 'operation',
  part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...parts],
});

/** A patch in both forms it can travel in: a request body, and a Bundle entry resource. */
interface PatchCase {
  name: string;
  contentType: string;
  body: unknown;
}

const jsonPatch = (name: string, ops: unknown[]): PatchCase => ({ name: `JSON Patch ${name}`, contentType: JSON_PATCH, body: ops });
const fhirPathPatch = (name: string, ...parameter: Part[]): PatchCase => ({ name: `FHIRPath Patch ${name}`, contentType: FHIR, body: { resourceType: 'Parameters', parameter } });

const CASES: PatchCase[] = [
  jsonPatch('add', [{ op: 'add', path: '/name/0/given/-', value: 'Grace' }]),
  jsonPatch('remove', [{ op: 'remove', path: '/telecom/1' }]),
  jsonPatch('replace', [{ op: 'replace', path: '/birthDate', value: '1984-03-01' }]),
  jsonPatch('move', [{ op: 'move', from: '/telecom/1', path: '/telecom/0' }]),
  jsonPatch('copy', [{ op: 'copy', from: '/telecom/0', path: '/telecom/-' }]),
  jsonPatch('test', [{ op: 'test', path: '/gender', value: 'female' }, { op: 'add', path: '/active', value: false }]),
  fhirPathPatch('add', operation('add', 'Patient', { name: 'name', valueString: 'active' }, { name: 'value', valueBoolean: true })),
  fhirPathPatch('insert', operation('insert', 'Patient.telecom', { name: 'value', valueContactPoint: { system: 'email', value: 'ada@example.org' } }, { name: 'index', valueInteger: 1 })),
  fhirPathPatch('delete', operation('delete', 'Patient.birthDate')),
  fhirPathPatch('replace', operation('replace', 'Patient.gender', { name: 'value', valueCode: 'other' })),
  fhirPathPatch('move', operation('move', 'Patient.telecom', { name: 'source', valueInteger: 1 }, { name: 'destination', valueInteger: 0 })),
];

/** The resource a Bundle entry carries for a patch (R4 http.html#patch: a Binary for JSON Patch, the Parameters for FHIRPath Patch). */
function entryResource(c: PatchCase): BundleEntry['resource'] {
  if (c.contentType === JSON_PATCH) return { resourceType: 'Binary', contentType: JSON_PATCH, data: Buffer.from(JSON.stringify(c.body)).toString('base64') };
  return c.body as Parameters;
}

/** The patient without what the server sets (id, meta), for comparing content. */
function content(p: Patient): Omit<Patient, 'id' | 'meta' | 'identifier'> {
  const { id: _id, meta: _meta, identifier: _identifier, ...rest } = p;
  return rest;
}

describe('PATCH as a request, a transaction entry and a batch entry', () => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (): Promise<Patient> => {
    const body: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: SYSTEM, value: `p-${n++}` }],
      name: [{ family: 'Okafor', given: ['Ada'] }],
      gender: 'female',
      birthDate: '1984-02-29',
      telecom: [{ system: 'phone', value: '555-0100' }, { system: 'phone', value: '555-0199' }],
    };
    const res = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(body);
    expect(res.status).toBe(201);
    return res.body;
  };
  const read = async (id: string): Promise<Patient> => (await t.request.get(`/fhir/Patient/${id}`)).body;
  const postBundle = (type: 'transaction' | 'batch', entry: BundleEntry[]) =>
    t.request.post('/fhir').set('Content-Type', FHIR).send({ resourceType: 'Bundle', type, entry } as Bundle);

  it.each(CASES.map((c) => [c.name, c] as const))('%s: the same result in all three ways', async (_name, c) => {
    const [direct, inTransaction, inBatch] = [await create(), await create(), await create()];

    const res = await t.request.patch(`/fhir/Patient/${direct.id}`).set('Content-Type', c.contentType).send(JSON.stringify(c.body));
    expect(res.status).toBe(200);
    expect(res.body.meta.versionId).toBe('2');
    const expected = content(res.body);
    expect(expected).not.toEqual(content(direct));

    const tx = await postBundle('transaction', [{ resource: entryResource(c), request: { method: 'PATCH', url: `Patient/${inTransaction.id}` } }]);
    expect(tx.status).toBe(200);
    expect(tx.body.entry[0].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
    expect(content(await read(inTransaction.id as string))).toEqual(expected);

    const batch = await postBundle('batch', [{ resource: entryResource(c), request: { method: 'PATCH', url: `Patient/${inBatch.id}` } }]);
    expect(batch.status).toBe(200);
    expect(batch.body.entry[0].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
    expect(content(await read(inBatch.id as string))).toEqual(expected);
  });

  const FAILURES: [string, PatchCase, number, string][] = [
    ['a JSON Patch path that does not exist', jsonPatch('bad path', [{ op: 'replace', path: '/name/5/family', value: 'X' }]), 422, 'Bundle.entry[1].resource.data'],
    ['a JSON Patch whose result is invalid', jsonPatch('invalid result', [{ op: 'replace', path: '/gender', value: 'F' }]), 400, 'Bundle.entry[1].resource'],
    ['a FHIRPath Patch path that selects nothing', fhirPathPatch('bad path', operation('replace', 'Patient.deceased', { name: 'value', valueBoolean: true })), 422, 'Bundle.entry[1].resource.parameter[0].part[1]'],
    ['a FHIRPath Patch whose result is invalid', fhirPathPatch('invalid result', operation('replace', 'Patient.gender', { name: 'value', valueCode: 'F' })), 400, 'Bundle.entry[1].resource'],
  ];

  it.each(FAILURES)('%s fails the transaction at its entry and changes nothing', async (_name, c, status, expression) => {
    const target = await create();
    const before = await t.request.get('/fhir/Patient').query({ _summary: 'count' });
    const res = await postBundle('transaction', [
      { fullUrl: 'urn:uuid:2b4f7e0c-8a55-4d1e-9f3a-5b2a1c0d9e77', resource: { resourceType: 'Patient', identifier: [{ system: SYSTEM, value: 'never' }] }, request: { method: 'POST', url: 'Patient' } },
      { resource: entryResource(c), request: { method: 'PATCH', url: `Patient/${target.id}` } },
    ]);
    expect(res.status).toBe(status);
    const outcome = res.body as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    const expressions = outcome.issue?.flatMap((i) => i.expression ?? []) ?? [];
    expect(expressions.length).toBeGreaterThan(0);
    for (const e of expressions) expect(e.startsWith(expression)).toBe(true);
    expect(await read(target.id as string)).toEqual(target);
    expect((await t.request.get('/fhir/Patient').query({ _summary: 'count' })).body.total).toBe(before.body.total);
  });

  it.each(FAILURES)('%s fails only its own entry in a batch, and changes nothing there', async (_name, c, status) => {
    const target = await create();
    const other = await create();
    const res = await postBundle('batch', [
      { resource: entryResource(jsonPatch('ok', [{ op: 'add', path: '/active', value: true }])), request: { method: 'PATCH', url: `Patient/${other.id}` } },
      { resource: entryResource(c), request: { method: 'PATCH', url: `Patient/${target.id}` } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: BundleEntry) => e.response?.status.slice(0, 3))).toEqual(['200', String(status)]);
    expect(res.body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(await read(target.id as string)).toEqual(target);
    expect((await read(other.id as string)).active).toBe(true);
  });
});
