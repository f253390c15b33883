import type { Bundle } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('history at instance, type and system level', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const post = async (type: string, body: object) => (await t.request.post(`/fhir/${type}`).set('Content-Type', FHIR).send({ resourceType: type, ...body })).body;
  const get = async (path: string): Promise<Bundle> => {
    const res = await t.request.get(path);
    expect(res.status).toBe(200);
    return res.body;
  };
  /** Follows next links from `path`, collecting entry keys. */
  const walk = async (path: string, relation = 'next') => {
    const keys: string[] = [];
    let url: string | undefined = path;
    let pages = 0;
    while (url && pages++ < 100) {
      const bundle: Bundle = await get(url.replace('http://relay.test', ''));
      keys.push(...(bundle.entry ?? []).map((e) => `${e.fullUrl}@${e.response?.etag}`));
      url = bundle.link?.find((l) => l.relation === relation)?.url;
    }
    return keys;
  };

  it('answers searches and histories that find nothing with total 0 and no entry array (R4 JSON has no empty arrays)', async () => {
    for (const url of ['/fhir/Patient?identifier=urn:nobody|none', '/fhir/Patient?identifier=urn:nobody|none&_summary=count', '/fhir/Patient/nobody-here/_history']) {
      const res = await t.request.get(url);
      expect({ url, status: res.status, total: res.body.total }).toEqual({ url, status: 200, total: 0 });
      expect(res.body).not.toHaveProperty('entry');
    }
  });

  it('lists every version of one resource newest first, with request and response per entry', async () => {
    const p = await post('Patient', { gender: 'male' });
    await t.request.put(`/fhir/Patient/${p.id}`).set('Content-Type', FHIR).send({ ...p, gender: 'female' });
    await t.request.delete(`/fhir/Patient/${p.id}`);
    const bundle = await get(`/fhir/Patient/${p.id}/_history`);
    expect(bundle.type).toBe('history');
    expect(bundle.total).toBe(3);
    expect(bundle.entry?.map((e) => e.response?.etag)).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);
    expect(bundle.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'POST']);
    expect(bundle.entry?.[0].resource).toBeUndefined();
    expect(bundle.entry?.[1].resource).toMatchObject({ gender: 'female', meta: { versionId: '2' } });
    expect(bundle.entry?.[2].fullUrl).toBe(`http://relay.test/fhir/Patient/${p.id}`);
    expect(bundle.link?.find((l) => l.relation === 'self')?.url).toBe(`http://relay.test/fhir/Patient/${p.id}/_history`);
  });

  it('type history holds only that type; system history holds all types', async () => {
    // Since now: the store already holds Relay's implementation guide, installed at start.
    const since = encodeURIComponent(new Date().toISOString());
    await post('Patient', {});
    await post('Patient', {});
    await post('Observation', { status: 'final', code: { text: 'x' } });
    expect((await get('/fhir/Patient/_history')).total).toBe(2);
    expect((await get('/fhir/Observation/_history')).total).toBe(1);
    const all = await get(`/fhir/_history?_since=${since}`);
    expect(all.total).toBe(3);
    expect(new Set(all.entry?.map((e) => e.resource?.resourceType))).toEqual(new Set(['Patient', 'Observation']));
  });

  it('pages with _count through next links without skipping or repeating, even while others write', async () => {
    const since = new Date().toISOString();
    for (let i = 0; i < 23; i++) await post(i % 2 ? 'Patient' : 'Observation', i % 2 ? {} : { status: 'final', code: { text: `o${i}` } });
    const first = await get(`/fhir/_history?_count=5&_since=${encodeURIComponent(since)}`);
    expect(first.entry).toHaveLength(5);
    expect(first.link?.find((l) => l.relation === 'first')?.url).toBe(`http://relay.test/fhir/_history?_since=${since}&_count=5`);
    const keys = (first.entry ?? []).map((e) => `${e.fullUrl}@${e.response?.etag}`);
    let next = first.link?.find((l) => l.relation === 'next')?.url;
    // New writes between pages must not shift later pages.
    while (next) {
      await post('Patient', {});
      const page: Bundle = await get(next.replace('http://relay.test', ''));
      keys.push(...(page.entry ?? []).map((e) => `${e.fullUrl}@${e.response?.etag}`));
      next = page.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(keys).toHaveLength(23);
    expect(new Set(keys).size).toBe(23);
  });

  it('previous links walk back to the first page', async () => {
    for (let i = 0; i < 7; i++) await post('Patient', {});
    const forward = await walk('/fhir/Patient/_history?_count=3');
    expect(forward).toHaveLength(7);
    const page1 = await get('/fhir/Patient/_history?_count=3');
    const page2 = await get((page1.link?.find((l) => l.relation === 'next')?.url as string).replace('http://relay.test', ''));
    const back = await get((page2.link?.find((l) => l.relation === 'previous')?.url as string).replace('http://relay.test', ''));
    expect(back.entry?.map((e) => e.fullUrl)).toEqual(page1.entry?.map((e) => e.fullUrl));
    expect(page1.link?.find((l) => l.relation === 'previous')).toBeUndefined();
  });

  it('_since keeps versions at or after the instant', async () => {
    const p = await post('Patient', {});
    await sleep(20);
    const mark = new Date().toISOString();
    await sleep(20);
    await t.request.put(`/fhir/Patient/${p.id}`).set('Content-Type', FHIR).send({ ...p, active: true });
    const since = await get(`/fhir/Patient/${p.id}/_history?_since=${encodeURIComponent(mark)}`);
    expect(since.entry?.map((e) => e.response?.etag)).toEqual(['W/"2"']);
    expect(since.link?.find((l) => l.relation === 'self')?.url).toContain('_since=');
  });

  it('_at keeps versions that were current at some moment of the given time', async () => {
    const p = await post('Patient', {});
    await sleep(30);
    const during1 = new Date().toISOString();
    await sleep(30);
    await t.request.put(`/fhir/Patient/${p.id}`).set('Content-Type', FHIR).send({ ...p, active: true });
    await sleep(30);
    const during2 = new Date().toISOString();
    const at1 = await get(`/fhir/Patient/${p.id}/_history?_at=${encodeURIComponent(during1)}`);
    expect(at1.entry?.map((e) => e.response?.etag)).toEqual(['W/"1"']);
    const at2 = await get(`/fhir/Patient/${p.id}/_history?_at=${encodeURIComponent(during2)}`);
    expect(at2.entry?.map((e) => e.response?.etag)).toEqual(['W/"2"']);
    const year = new Date().getUTCFullYear();
    const wholeYear = await get(`/fhir/Patient/${p.id}/_history?_at=${year}`);
    expect(wholeYear.entry).toHaveLength(2);
    expect((await get(`/fhir/Patient/${p.id}/_history?_at=2001`)).entry ?? []).toHaveLength(0);
  });

  it('caps _count at the configured maximum and _count=0 returns only the total', async () => {
    for (let i = 0; i < 3; i++) await post('Patient', {});
    const none = await get('/fhir/Patient/_history?_count=0');
    expect(none.total).toBe(3);
    expect(none.entry ?? []).toHaveLength(0);
    const capped = await get('/fhir/Patient/_history?_count=100000');
    expect(capped.entry).toHaveLength(3);
    expect(capped.link?.find((l) => l.relation === 'first')?.url).toContain('_count=1000');
  });
});
