import type { Bundle } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

describe('token :below and :above on a hierarchical local code system (v3 ActCode)', () => {
  let t: TestApp;
  const ids = async (path: string) => ((await t.request.get(path)).body as Bundle).entry?.filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id).sort();
  beforeAll(async () => {
    t = await startTestApp();
    for (const code of ['IMP', 'ACUTE', 'NONAC', 'AMB']) {
      const res = await t.request
        .put(`/fhir/Encounter/enc-${code}`)
        .set('Content-Type', 'application/fhir+json')
        .send({ resourceType: 'Encounter', id: `enc-${code}`, status: 'finished', class: { system: ACT, code } });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it(':below finds the code and every code it subsumes', async () => {
    expect(await ids(`/fhir/Encounter?class:below=${encodeURIComponent(`${ACT}|IMP`)}`)).toEqual(['enc-ACUTE', 'enc-IMP', 'enc-NONAC']);
    expect(await ids(`/fhir/Encounter?class:below=${encodeURIComponent(`${ACT}|AMB`)}`)).toEqual(['enc-AMB']);
  });

  it(':above finds the code and every code that subsumes it', async () => {
    expect(await ids(`/fhir/Encounter?class:above=${encodeURIComponent(`${ACT}|ACUTE`)}`)).toEqual(['enc-ACUTE', 'enc-IMP']);
  });

  it('needs system|code, and a code system the server holds', async () => {
    expect((await t.request.get('/fhir/Encounter?class:below=IMP')).status).toBe(400);
    const unknown = await t.request.get(`/fhir/Encounter?class:below=${encodeURIComponent('http://example.org/cs|X')}`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.issue[0].diagnostics).toMatch(/not in a code system this server holds/);
  });
});
