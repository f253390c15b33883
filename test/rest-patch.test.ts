import type { Bundle, OperationOutcome, Parameters, Patient } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const JSON_PATCH = 'application/json-patch+json';
const SYSTEM = 'http://hospital.example/mrn';

const patient = (mrn: string, family = 'Okafor'): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: SYSTEM, value: mrn }],
  name: [{ family, given: ['Ada'] }],
  gender: 'female',
  birthDate: '1984-02-29',
});

type Part = NonNullable<Parameters['parameter']>[number];
/** One FHIRPath Patch operation parameter. */
const operation = (type: string, path: string, ...parts: Part[]): Part => ({
  name: 'operation',
  part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...parts],
});
const fhirPathPatch = (...parameter: Part[]): Parameters => ({ resourceType: 'Parameters', parameter });

/** The single issue of an OperationOutcome answer with `status`. */
function issueOf(res: { status: number; body: OperationOutcome }, status: number) {
  expect(res.status).toBe(status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue?.length).toBeGreaterThan(0);
  return res.body.issue?.[0] ?? {};
}

describe('PATCH (JSON Patch and FHIRPath Patch)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (body: Patient): Promise<Patient> => {
    const res = await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(body);
    expect(res.status).toBe(201);
    return res.body;
  };
  const jsonPatch = (url: string, ops: unknown) => t.request.patch(url).set('Content-Type', JSON_PATCH).send(JSON.stringify(ops));
  const fpPatch = (url: string, body: unknown) => t.request.patch(url).set('Content-Type', FHIR).send(JSON.stringify(body));
  const versions = async (id: string) => ((await t.request.get(`/fhir/Patient/${id}/_history`)).body as Bundle).total;

  describe('JSON Patch (application/json-patch+json)', () => {
    it('applies add, remove, replace, move, copy and test in order, and answers 200 with the new version', async () => {
      const p = await create({ ...patient('j-1'), telecom: [{ system: 'phone', value: '555-0100' }] });
      const res = await jsonPatch(`/fhir/Patient/${p.id}`, [
        { op: 'test', path: '/gender', value: 'female' },
        { op: 'add', path: '/name/0/given/-', value: 'Grace' },
        { op: 'replace', path: '/birthDate', value: '1984-03-01' },
        { op: 'copy', from: '/telecom/0', path: '/telecom/-' },
        { op: 'replace', path: '/telecom/1/value', value: '555-0199' },
        { op: 'move', from: '/telecom/1', path: '/telecom/0' },
        { op: 'remove', path: '/identifier' },
        { op: 'add', path: '/active', value: true },
      ]);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('W/"2"');
      expect(res.body).toMatchObject({ id: p.id, active: true, birthDate: '1984-03-01', name: [{ family: 'Okafor', given: ['Ada', 'Grace'] }], meta: { versionId: '2' } });
      expect(res.body.telecom).toEqual([{ system: 'phone', value: '555-0199' }, { system: 'phone', value: '555-0100' }]);
      expect(res.body.identifier).toBeUndefined();
      expect((await t.request.get(`/fhir/Patient/${p.id}`)).body).toEqual(res.body);
    });

    it('answers 422 when a test operation fails, naming the operation, and stores nothing', async () => {
      const p = await create(patient('j-2'));
      const res = await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/gender', value: 'male' }, { op: 'test', path: '/birthDate', value: '1990-01-01' }]);
      const issue = issueOf(res, 422);
      expect(issue.expression).toEqual(['[1].path']);
      expect(issue.diagnostics).toMatch(/operation 1 \(test\)/);
      expect((await t.request.get(`/fhir/Patient/${p.id}`)).body.gender).toBe('female');
      expect(await versions(p.id as string)).toBe(1);
    });

    it('answers 422 for a path that does not exist', async () => {
      const p = await create(patient('j-3'));
      const issue = issueOf(await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/name/3/family', value: 'X' }]), 422);
      expect(issue.expression).toEqual(['[0].path']);
    });

    it('answers 400 for a malformed document: not an array, an unknown op, a bad pointer escape', async () => {
      const p = await create(patient('j-4'));
      issueOf(await jsonPatch(`/fhir/Patient/${p.id}`, { op: 'add', path: '/active', value: true }), 400);
      expect(issueOf(await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/active', value: true }, { op: 'upsert', path: '/x' }]), 400).expression).toEqual(['[1].op']);
      expect(issueOf(await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'remove', path: '/name/0/fam~2ily' }]), 400).expression).toEqual(['[0].path']);
    });
  });

  describe('FHIRPath Patch (a Parameters body)', () => {
    it('adds an element (the spec example: birthDate on Patient)', async () => {
      const p = await create({ resourceType: 'Patient', name: [{ family: 'Ng' }] });
      const res = await fpPatch(`/fhir/Patient/${p.id}`, fhirPathPatch(operation('add', 'Patient', { name: 'name', valueString: 'birthDate' }, { name: 'value', valueDate: '1930-01-01' })));
      expect(res.status).toBe(200);
      expect(res.body.birthDate).toBe('1930-01-01');
      expect(res.body.meta.versionId).toBe('2');
    });

    it('adds an anonymous element from parts (the spec example: Patient.contact with a name)', async () => {
      const p = await create(patient('f-2'));
      const contact = { name: 'value', part: [{ name: 'name', valueHumanName: { text: 'a name' } }] };
      const res = await fpPatch(`/fhir/Patient/${p.id}`, fhirPathPatch(operation('add', 'Patient', { name: 'name', valueString: 'contact' }, contact)));
      expect(res.status).toBe(200);
      expect(res.body.contact).toEqual([{ name: { text: 'a name' } }]);
    });

    it('inserts, moves, replaces and deletes list items and elements', async () => {
      const p = await create({ ...patient('f-3'), identifier: [{ system: SYSTEM, value: 'f-3' }, { system: 'urn:other', value: 'b' }] });
      const res = await fpPatch(`/fhir/Patient/${p.id}`, fhirPathPatch(
        operation('insert', 'Patient.identifier', { name: 'value', valueIdentifier: { system: 'urn:other', value: 'c' } }, { name: 'index', valueInteger: 1 }),
        operation('move', 'Patient.identifier', { name: 'source', valueInteger: 2 }, { name: 'destination', valueInteger: 0 }),
        operation('replace', 'Patient.gender', { name: 'value', valueCode: 'other' }),
        operation('delete', "Patient.identifier.where(value = 'c')"),
        operation('delete', 'Patient.birthDate'),
      ));
      expect(res.status).toBe(200);
      expect(res.body.identifier).toEqual([{ system: 'urn:other', value: 'b' }, { system: SYSTEM, value: 'f-3' }]);
      expect(res.body.gender).toBe('other');
      expect(res.body.birthDate).toBeUndefined();
    });

    it('answers 400 pointing at the bad part of a malformed Parameters body', async () => {
      const p = await create(patient('f-4'));
      const body = fhirPathPatch(
        operation('replace', 'Patient.gender', { name: 'value', valueCode: 'male' }),
        operation('insert', 'Patient.identifier', { name: 'value', valueIdentifier: { value: 'x' } }, { name: 'index', valueString: 'one' }),
      );
      const issue = issueOf(await fpPatch(`/fhir/Patient/${p.id}`, body), 400);
      expect(issue.expression).toEqual(['Parameters.parameter[1].part[3]']);
      expect((await t.request.get(`/fhir/Patient/${p.id}`)).body.gender).toBe('female');
    });

    it('answers 422 when the path selects nothing for replace, or several elements', async () => {
      const p = await create(patient('f-5'));
      const none = await fpPatch(`/fhir/Patient/${p.id}`, fhirPathPatch(operation('replace', 'Patient.deceased', { name: 'value', valueBoolean: true })));
      expect(issueOf(none, 422).expression).toEqual(['Parameters.parameter[0].part[1]']);
      const several = await fpPatch(`/fhir/Patient/${p.id}`, fhirPathPatch(operation('delete', 'Patient.name.given | Patient.name.family')));
      issueOf(several, 422);
    });
  });

  describe('the result is validated and stored like an update', () => {
    it('refuses a patch whose result is invalid (a code outside its value set, a required element removed), keeping the version', async () => {
      const p = await create(patient('v-1'));
      const badCode = await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/gender', value: 'F' }]);
      expect(issueOf(badCode, 400).expression?.[0]).toMatch(/^Patient\.gender/);
      const link = await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/link', value: [{ type: 'seealso' }] }]);
      expect(issueOf(link, 400).expression?.join(' ')).toMatch(/Patient\.link/);
      const read = await t.request.get(`/fhir/Patient/${p.id}`);
      expect(read.body.meta.versionId).toBe('1');
      expect(read.body.gender).toBe('female');
    });

    it('refuses a patch that changes the id (400 with Patient.id)', async () => {
      const p = await create(patient('v-2'));
      expect(issueOf(await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/id', value: 'other' }]), 400).expression).toEqual(['Patient.id']);
      const fp = fhirPathPatch(operation('replace', 'Patient.id', { name: 'value', valueId: 'other' }));
      expect(issueOf(await fpPatch(`/fhir/Patient/${p.id}`, fp), 400).expression).toEqual(['Patient.id']);
      expect(issueOf(await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/resourceType', value: 'Person' }]), 400).expression).toEqual(['resourceType']);
    });

    it('makes no new version when the patch changes nothing', async () => {
      const p = await create(patient('v-3'));
      const res = await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'test', path: '/gender', value: 'female' }, { op: 'replace', path: '/gender', value: 'female' }]);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('W/"1"');
      expect(res.body.meta).toEqual(p.meta);
      expect(await versions(p.id as string)).toBe(1);
    });

    it('shows the patched version in history, keeps the old one readable, and search sees the patched values', async () => {
      const p = await create(patient('v-4', 'Adeyemi'));
      const res = await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/name/0/family', value: 'Zebedee' }]);
      expect(res.status).toBe(200);
      const history = (await t.request.get(`/fhir/Patient/${p.id}/_history`)).body as Bundle<Patient>;
      expect(history.total).toBe(2);
      expect(history.entry?.[0].resource?.name?.[0].family).toBe('Zebedee');
      expect(history.entry?.[0].request?.method).toBe('PUT');
      expect((await t.request.get(`/fhir/Patient/${p.id}/_history/1`)).body.name[0].family).toBe('Adeyemi');
      const found = (await t.request.get('/fhir/Patient?name=zebedee')).body as Bundle<Patient>;
      expect(found.entry?.map((e) => e.resource?.id)).toEqual([p.id]);
      expect(((await t.request.get('/fhir/Patient?family:exact=Adeyemi')).body as Bundle).total).toBe(0);
    });
  });

  it('applies concurrent patches of one resource one after the other: none is lost', async () => {
    const p = await create({ ...patient('r-1'), name: [{ family: 'Race', given: ['Start'] }] });
    const adds = Array.from({ length: 8 }, (_, i) => jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/name/0/given/-', value: `I${i}` }]));
    expect((await Promise.all(adds)).map((r) => r.status)).toEqual(Array(8).fill(200));
    const read = (await t.request.get(`/fhir/Patient/${p.id}`)).body as Patient;
    expect(read.name?.[0].given).toHaveLength(9);
    expect(read.meta?.versionId).toBe('9');
  });

  describe('If-Match, Prefer and status codes', () => {
    it('honours If-Match: 412 for a stale version (nothing stored), 200 for the current one', async () => {
      const p = await create(patient('h-1'));
      await jsonPatch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/active', value: true }]);
      const stale = await t.request.patch(`/fhir/Patient/${p.id}`).set('Content-Type', JSON_PATCH).set('If-Match', 'W/"1"').send(JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }]));
      issueOf(stale, 412);
      expect((await t.request.get(`/fhir/Patient/${p.id}`)).body.gender).toBe('female');
      const current = await t.request.patch(`/fhir/Patient/${p.id}`).set('Content-Type', JSON_PATCH).set('If-Match', 'W/"2"').send(JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }]));
      expect(current.status).toBe(200);
      expect(current.headers.etag).toBe('W/"3"');
    });

    it('honours Prefer: return=minimal (no body) and return=OperationOutcome', async () => {
      const p = await create(patient('h-2'));
      const minimal = await t.request.patch(`/fhir/Patient/${p.id}`).set('Content-Type', JSON_PATCH).set('Prefer', 'return=minimal').send(JSON.stringify([{ op: 'add', path: '/active', value: true }]));
      expect(minimal.status).toBe(200);
      expect(minimal.text).toBe('');
      expect(minimal.headers.etag).toBe('W/"2"');
      const oo = await t.request.patch(`/fhir/Patient/${p.id}`).set('Content-Type', JSON_PATCH).set('Prefer', 'return=OperationOutcome').send(JSON.stringify([{ op: 'add', path: '/active', value: false }]));
      expect(oo.status).toBe(200);
      expect(oo.body.resourceType).toBe('OperationOutcome');
      expect(oo.body.issue[0].diagnostics).toBe(`patched Patient/${p.id} to version 3`);
    });

    it('answers 404 for an unknown resource and 410 for a deleted one', async () => {
      const ops = [{ op: 'add', path: '/active', value: true }];
      issueOf(await jsonPatch('/fhir/Patient/no-such-patient', ops), 404);
      const p = await create(patient('h-3'));
      expect((await t.request.delete(`/fhir/Patient/${p.id}`)).status).toBe(200);
      issueOf(await jsonPatch(`/fhir/Patient/${p.id}`, ops), 410);
      issueOf(await jsonPatch('/fhir/NotAType/x', ops), 404);
    });

    it('answers 415 for an unsupported patch format, and accepts JSON Patch media type only on PATCH', async () => {
      const p = await create(patient('h-4'));
      const merge = await t.request.patch(`/fhir/Patient/${p.id}`).set('Content-Type', 'application/merge-patch+json').send(JSON.stringify({ active: true }));
      issueOf(merge, 415);
      const xml = await t.request.patch(`/fhir/Patient/${p.id}`).set('Content-Type', 'application/xml-patch+xml').send('<diff/>');
      issueOf(xml, 415);
      const post = await t.request.post('/fhir/Patient').set('Content-Type', JSON_PATCH).send(JSON.stringify(patient('h-4b')));
      issueOf(post, 415);
    });

    it('answers 400 to a JSON Patch sent as FHIR JSON, naming the right media type', async () => {
      const p = await create(patient('h-5'));
      const issue = issueOf(await fpPatch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/active', value: true }]), 400);
      expect(issue.diagnostics).toContain(JSON_PATCH);
    });
  });

  describe('conditional patch: PATCH [type]?[criteria]', () => {
    const criteria = (mrn: string) => `identifier=${encodeURIComponent(`${SYSTEM}|${mrn}`)}`;

    it('patches the one match', async () => {
      const p = await create(patient('c-1'));
      const res = await jsonPatch(`/fhir/Patient?${criteria('c-1')}`, [{ op: 'add', path: '/active', value: true }]);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: p.id, active: true, meta: { versionId: '2' } });
      expect(res.headers.etag).toBe('W/"2"');
    });

    it('answers 404 when nothing matches, creating nothing', async () => {
      const res = await fpPatch(`/fhir/Patient?${criteria('c-none')}`, fhirPathPatch(operation('replace', 'Patient.gender', { name: 'value', valueCode: 'male' })));
      expect(issueOf(res, 404).diagnostics).toContain('nothing was patched');
      expect(((await t.request.get(`/fhir/Patient?${criteria('c-none')}`)).body as Bundle).total).toBe(0);
    });

    it('answers 412 when several match, patching none', async () => {
      await create(patient('c-2'));
      await create(patient('c-2'));
      issueOf(await jsonPatch(`/fhir/Patient?${criteria('c-2')}`, [{ op: 'add', path: '/active', value: true }]), 412);
      const all = (await t.request.get(`/fhir/Patient?${criteria('c-2')}`)).body as Bundle<Patient>;
      expect(all.entry?.map((e) => e.resource?.active)).toEqual([undefined, undefined]);
    });

    it('honours If-Match on the match, and refuses criteria that select nothing (400)', async () => {
      await create(patient('c-3'));
      const stale = await t.request.patch(`/fhir/Patient?${criteria('c-3')}`).set('Content-Type', JSON_PATCH).set('If-Match', 'W/"7"').send(JSON.stringify([{ op: 'add', path: '/active', value: true }]));
      issueOf(stale, 412);
      issueOf(await jsonPatch('/fhir/Patient?_count=1', [{ op: 'add', path: '/active', value: true }]), 400);
    });

    it('applies concurrent conditional patches one after the other: none is lost', async () => {
      const p = await create({ ...patient('c-4'), name: [{ family: 'Race', given: ['Start'] }] });
      const adds = Array.from({ length: 8 }, (_, i) => jsonPatch(`/fhir/Patient?${criteria('c-4')}`, [{ op: 'add', path: '/name/0/given/-', value: `G${i}` }]));
      expect((await Promise.all(adds)).map((r) => r.status)).toEqual(Array(8).fill(200));
      const read = (await t.request.get(`/fhir/Patient/${p.id}`)).body as Patient;
      expect(read.name?.[0].given?.slice().sort()).toEqual([...Array.from({ length: 8 }, (_, i) => `G${i}`), 'Start']);
      expect(read.meta?.versionId).toBe('9');
    });
  });

  it('lists patch among every type\'s interactions in the CapabilityStatement', async () => {
    const cs = (await t.request.get('/fhir/metadata')).body;
    for (const r of cs.rest[0].resource) expect(r.interaction.map((i: { code: string }) => i.code)).toContain('patch');
  });
});
