import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';

/** Asserts an OperationOutcome error response and returns its issues. */
function expectOutcome(res: { status: number; body: { resourceType?: string; issue?: { severity: string; code: string; diagnostics?: string; expression?: string[] }[] } }, status: number) {
  expect(res.status).toBe(status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue?.length).toBeGreaterThan(0);
  for (const i of res.body.issue ?? []) {
    expect(i.severity).toBeDefined();
    expect(i.code).toBeDefined();
    expect(i.diagnostics?.length).toBeGreaterThan(5);
  }
  return res.body.issue ?? [];
}

describe('bad input gets a clear OperationOutcome and changes nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ maxBodyBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await t.close();
  });

  async function patientCount(): Promise<number> {
    return (await t.request.get('/fhir/Patient/_history')).body.total;
  }

  it('unknown resource type → 404', async () => {
    const issues = expectOutcome(await t.request.get('/fhir/Patientt/1'), 404);
    expect(issues[0].diagnostics).toMatch(/"Patientt" is not an R4 resource type/);
    expectOutcome(await t.request.post('/fhir/Unicorn').set('Content-Type', FHIR).send({ resourceType: 'Unicorn' }), 404);
  });

  it('id in the body differs from the URL → 400, and a missing body id → 400', async () => {
    const before = await patientCount();
    const issues = expectOutcome(await t.request.put('/fhir/Patient/a1').set('Content-Type', FHIR).send({ resourceType: 'Patient', id: 'b2' }), 400);
    expect(issues[0].expression).toEqual(['Patient.id']);
    expectOutcome(await t.request.put('/fhir/Patient/a1').set('Content-Type', FHIR).send({ resourceType: 'Patient' }), 400);
    expect(await patientCount()).toBe(before);
  });

  it('invalid id → 400', async () => {
    const long = 'x'.repeat(65);
    expectOutcome(await t.request.get(`/fhir/Patient/${long}`), 400);
    expectOutcome(await t.request.put('/fhir/Patient/bad_id').set('Content-Type', FHIR).send({ resourceType: 'Patient', id: 'bad_id' }), 400);
    expectOutcome(await t.request.get('/fhir/Patient/a%20b'), 400);
  });

  it('resourceType mismatch → 400 with expression resourceType', async () => {
    const issues = expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send({ resourceType: 'Observation' }), 400);
    expect(issues[0].expression).toEqual(['resourceType']);
    expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send({ name: [] }), 400);
  });

  it('malformed JSON → 400', async () => {
    const before = await patientCount();
    const issues = expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send('{"resourceType": "Patient",'), 400);
    expect(issues[0].diagnostics).toMatch(/not valid JSON/);
    expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send('[1,2]'), 400);
    expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send('"text"'), 400);
    expect(await patientCount()).toBe(before);
  });

  it('unsupported media type → 415, XML included', async () => {
    expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', 'application/fhir+xml').send('<Patient xmlns="http://hl7.org/fhir"/>'), 415);
    expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', 'text/plain').send('{"resourceType":"Patient"}'), 415);
  });

  it('a response format Relay cannot produce → 406', async () => {
    expectOutcome(await t.request.get('/fhir/metadata').set('Accept', 'application/fhir+xml'), 406);
    expectOutcome(await t.request.get('/fhir/metadata?_format=xml'), 406);
    expect((await t.request.get('/fhir/metadata').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8')).status).toBe(200);
  });

  it('body over the configured limit → 413', async () => {
    const big = { resourceType: 'Patient', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(70 * 1024)}</div>` } };
    const issues = expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send(big), 413);
    expect(issues[0].diagnostics).toMatch(/RELAY_MAX_BODY/);
  });

  it('a resource invalid against base R4 → 400 with one issue per problem, each with a FHIRPath expression; nothing stored', async () => {
    const before = await patientCount();
    const res = await t.request
      .post('/fhir/Patient')
      .set('Content-Type', FHIR)
      .send({ resourceType: 'Patient', gender: 'unknown-to-r4', birthDate: '1990-13-45', name: [{ family: 7 }], colour: 'blue' });
    const issues = expectOutcome(res, 400);
    const expressions = issues.filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);
    expect(expressions).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.birthDate', 'Patient.name[0].family', 'Patient.colour']));
    expect(issues.find((i) => i.expression?.[0] === 'Patient.gender')?.diagnostics).toMatch(/administrative-gender/);
    expect(await patientCount()).toBe(before);
  });

  it('an invalid update leaves the current version untouched', async () => {
    const created = (await t.request.post('/fhir/Observation').set('Content-Type', FHIR).send({ resourceType: 'Observation', status: 'final', code: { text: 'weight' } })).body;
    const res = await t.request.put(`/fhir/Observation/${created.id}`).set('Content-Type', FHIR).send({ ...created, status: 'done' });
    const issues = expectOutcome(res, 400);
    expect(issues[0].expression).toEqual(['Observation.status']);
    const read = await t.request.get(`/fhir/Observation/${created.id}`);
    expect(read.body.status).toBe('final');
    expect(read.body.meta.versionId).toBe('1');
  });

  it('a malformed If-Match → 400; a version that does not exist → 412', async () => {
    const created = (await t.request.post('/fhir/Patient').set('Content-Type', FHIR).send({ resourceType: 'Patient' })).body;
    expectOutcome(await t.request.put(`/fhir/Patient/${created.id}`).set('Content-Type', FHIR).set('If-Match', 'W/"not a tag"').send(created), 400);
    expectOutcome(await t.request.put(`/fhir/Patient/${created.id}`).set('Content-Type', FHIR).set('If-Match', 'W/"5"').send(created), 412);
    expectOutcome(await t.request.put('/fhir/Patient/absent').set('Content-Type', FHIR).set('If-Match', 'W/"1"').send({ resourceType: 'Patient', id: 'absent' }), 412);
    expect((await t.request.get('/fhir/Patient/absent')).status).toBe(404);
  });

  it('a body-less create or update → 400', async () => {
    expectOutcome(await t.request.post('/fhir/Patient').set('Content-Type', FHIR), 400);
    expectOutcome(await t.request.put('/fhir/Patient/x1').set('Content-Type', FHIR), 400);
  });

  it('a method the path does not support → 405 with Allow; an unknown path → 404', async () => {
    const res = await t.request.patch('/fhir/metadata');
    expectOutcome(res, 405);
    expect(res.headers.allow).toBe('GET');
    expectOutcome(await t.request.get('/fhir/Patient/1/_history/1/extra'), 404);
  });

  it('a body nested deeper than storage allows → 400 naming the path, before any work is done', async () => {
    let item: Record<string, unknown> = { linkId: 'leaf', type: 'display' };
    for (let i = 0; i < 200; i++) item = { linkId: `l${i}`, type: 'group', item: [item] };
    const res = await t.request.put('/fhir/Questionnaire/deep').set('Content-Type', FHIR).send({ resourceType: 'Questionnaire', id: 'deep', status: 'draft', item: [item] });
    const issues = expectOutcome(res, 400);
    expect(issues[0].expression?.[0]).toMatch(/^Questionnaire\.item\[0\]\.item\[0\]/);
    expect(issues[0].diagnostics).toMatch(/more than 90 levels/);
  });

  it('ids made only of dots are refused: URLs would turn them into other paths', async () => {
    expectOutcome(await t.request.put('/fhir/Patient/..').set('Content-Type', FHIR).send({ resourceType: 'Patient', id: '..' }), 400);
    expectOutcome(await t.request.put('/fhir/Patient/.').set('Content-Type', FHIR).send({ resourceType: 'Patient', id: '.' }), 400);
  });

  it('a request head over 16 KB → 431 with an OperationOutcome, not a bare status line', async () => {
    const res = await fetch(`${t.origin}/fhir/Patient?name=${'x'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    const body = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].diagnostics).toMatch(/16 KB/);
  });

  it('query parameters named like Object.prototype members are plain parameters, never a 5xx', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await t.request.get(`/fhir/Patient?${name}=x`);
      expect(res.status).toBe(200);
      expect(res.body.entry.at(-1).resource.issue[0].expression).toEqual([name]);
      expectOutcome(await t.request.get(`/fhir/Patient?${name}=x`).set('Prefer', 'handling=strict'), 400);
    }
  });

  it('bad history parameters → 400 naming the parameter', async () => {
    expect(expectOutcome(await t.request.get('/fhir/_history?_since=yesterday'), 400)[0].expression).toEqual(['_since']);
    expect(expectOutcome(await t.request.get('/fhir/_history?_at=2024-02-30'), 400)[0].expression).toEqual(['_at']);
    expect(expectOutcome(await t.request.get('/fhir/_history?_count=-1'), 400)[0].expression).toEqual(['_count']);
    expect(expectOutcome(await t.request.get('/fhir/_history?_cursor=garbage'), 400)[0].expression).toEqual(['_cursor']);
  });
});
