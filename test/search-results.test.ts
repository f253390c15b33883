/**
 * Acceptance (issue 3): search result control over HTTP: _count and paging links (also while others
 * insert), _sort, _total, _summary, _elements, _include/_revinclude (with :iterate), match/include
 * entries, POST _search with a form body, and system-level search with _type. Data: the official R4
 * examples (expected orders and sets worked out from the files), plus generated Basic resources for paging.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Basic, Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const EXAMPLES_DIR = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
const FHIR = 'application/fhir+json';
const BASE = 'http://relay.test/fhir';
const PAGE_DEFAULT = 10;
const PAGE_MAX = 50;

const TYPES = ['Patient', 'Practitioner', 'Organization', 'Observation', 'Encounter', 'Condition', 'MedicationRequest', 'Medication', 'Task', 'ServiceRequest', 'RiskAssessment'];
/** Invalid R4 examples (see test/output/r4-examples-report.md): not sent. */
const KNOWN_INVALID = new Set(['MedicationRequest-medrx0301.json', 'Observation-clinical-gender.json']);
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const PAGING = 'http://relay.test/paging';

/** Every example Patient, by id. */
const PATIENTS = [
  'animal', 'ch-example', 'dicom', 'example', 'f001', 'f201', 'genetics-example1', 'glossy', 'ihe-pcd', 'infant-fetal', 'infant-mom', 'infant-twin-1',
  'infant-twin-2', 'mom', 'newborn', 'pat1', 'pat2', 'pat3', 'pat4', 'proband', 'xcda', 'xds',
];
/** Patients by birthDate ascending (ties by id), those without one first. */
const BY_BIRTHDATE = [
  'dicom', 'ihe-pcd', 'infant-fetal', 'pat1', 'pat2', // no birthDate
  'glossy', 'xcda', // 1932-09-24
  'f001', 'xds', 'f201', 'proband',
  'genetics-example1', 'mom', // 1973-05-31
  'ch-example', 'example', // 1974-12-25
  'pat3', 'pat4', 'infant-mom', 'animal',
  'infant-twin-1', 'infant-twin-2', // 2017-05-15
  'newborn',
];

function basic(id: string, code: string, created?: string): Basic {
  return { resourceType: 'Basic', id, code: { coding: [{ system: PAGING, code }] }, ...(created ? { created } : {}) };
}

describe('search result control over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ pageSizeDefault: PAGE_DEFAULT, pageSizeMax: PAGE_MAX });
    const files = fs
      .readdirSync(EXAMPLES_DIR)
      .filter((f) => f.endsWith('.json') && TYPES.includes(f.split('-')[0]) && !KNOWN_INVALID.has(f))
      .sort();
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const resource = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, files[next++]), 'utf8')) as Resource;
        const res = await t.request.put(`/fhir/${resource.resourceType}/${resource.id}`).set('Content-Type', FHIR).send(resource);
        if (res.status >= 500) throw new Error(`PUT ${resource.resourceType}/${resource.id}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    // 60 Basic resources to walk through (more than the largest page).
    for (let i = 0; i < 60; i++) await put(basic(`walk-${String(i).padStart(2, '0')}`, 'walk'));
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  async function put(resource: Resource): Promise<void> {
    const res = await t.request.put(`/fhir/${resource.resourceType}/${resource.id}`).set('Content-Type', FHIR).send(resource);
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT ${resource.resourceType}/${resource.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async function getBundle(url: string, prefer?: string): Promise<Bundle> {
    const req = t.request.get(url.startsWith(BASE) ? `/fhir${url.slice(BASE.length)}` : url);
    const res = await (prefer ? req.set('Prefer', prefer) : req);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('searchset');
    return res.body as Bundle;
  }

  const entries = (bundle: Bundle, mode: 'match' | 'include' | 'outcome'): BundleEntry[] => (bundle.entry ?? []).filter((e) => e.search?.mode === mode);
  const ids = (bundle: Bundle, mode: 'match' | 'include' = 'match') => entries(bundle, mode).map((e) => e.resource?.id as string);
  const typedIds = (bundle: Bundle, mode: 'match' | 'include' = 'match') => entries(bundle, mode).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
  const link = (bundle: Bundle, relation: string) => bundle.link?.find((l) => l.relation === relation)?.url;
  /** A link as a reader sees it (percent-decoded). */
  const decoded = (bundle: Bundle, relation: string) => {
    const url = link(bundle, relation);
    return url === undefined ? undefined : decodeURIComponent(url);
  };

  /** Follows `relation` links from `first` until there is none; returns every page, in the order visited. */
  async function walk(first: Bundle, relation: 'next' | 'previous', between?: (page: number) => Promise<void>): Promise<Bundle[]> {
    const pages = [first];
    for (let url = link(first, relation); url; url = link(pages[pages.length - 1], relation)) {
      if (pages.length > 100) throw new Error('more than 100 pages');
      if (between) await between(pages.length);
      pages.push(await getBundle(url));
    }
    return pages;
  }

  describe('_count and paging links', () => {
    const WALK = Array.from({ length: 60 }, (_, i) => `walk-${String(i).padStart(2, '0')}`);

    it('uses the configured default page size and gives self, first and next links', async () => {
      const page = await getBundle(`/fhir/Basic?code=${PAGING}|walk`);
      expect(ids(page)).toEqual(WALK.slice(0, PAGE_DEFAULT));
      expect(page.total).toBe(60);
      expect(decoded(page, 'self')).toBe(`${BASE}/Basic?code=${PAGING}|walk`);
      expect(decoded(page, 'first')).toBe(`${BASE}/Basic?code=${PAGING}|walk`);
      expect(link(page, 'next')).toMatch(new RegExp(`^${BASE}/Basic\\?code=`));
      expect(link(page, 'previous')).toBeUndefined();
    });

    it('caps _count at the configured maximum', async () => {
      const page = await getBundle(`/fhir/Basic?code=${PAGING}|walk&_count=1000`);
      expect(ids(page)).toEqual(WALK.slice(0, PAGE_MAX));
      expect(link(page, 'next')).toBeDefined();
    });

    it('follows next to the end: every match exactly once, in order, with the same total on each page', async () => {
      const pages = await walk(await getBundle(`/fhir/Basic?code=${PAGING}|walk&_count=7`), 'next');
      expect(pages.map((p) => ids(p).length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
      expect(pages.flatMap((p) => ids(p))).toEqual(WALK);
      for (const p of pages) expect(p.total).toBe(60);
      expect(link(pages[pages.length - 1], 'next')).toBeUndefined();
      // Every page keeps the search and the page size in its links.
      for (const p of pages) {
        for (const l of p.link ?? []) {
          expect(decodeURIComponent(l.url as string)).toContain(`code=${PAGING}|walk`);
          expect(l.url).toContain('_count=7');
        }
      }
    });

    it('walks back with previous links to the first page, and first returns to it', async () => {
      const forward = await walk(await getBundle(`/fhir/Basic?code=${PAGING}|walk&_count=8`), 'next');
      const last = forward[forward.length - 1];
      const backward = await walk(last, 'previous');
      expect(backward.map((p) => ids(p))).toEqual(forward.map((p) => ids(p)).reverse());
      expect(link(backward[backward.length - 1], 'previous')).toBeUndefined();
      const first = await getBundle(link(last, 'first') as string);
      expect(ids(first)).toEqual(WALK.slice(0, 8));
      // The self link of a later page reproduces that page.
      expect(ids(await getBundle(link(forward[3], 'self') as string))).toEqual(ids(forward[3]));
    });

    it('answers _count=0 with the total and no entries', async () => {
      const page = await getBundle('/fhir/Patient?_count=0');
      expect(page.total).toBe(22);
      expect(entries(page, 'match')).toEqual([]);
    });

    it('pages a sorted search with ties and missing values, across page boundaries', async () => {
      for (const count of [1, 3, 4]) {
        const pages = await walk(await getBundle(`/fhir/Patient?_sort=birthdate&_count=${count}`), 'next');
        expect(pages.flatMap((p) => ids(p))).toEqual(BY_BIRTHDATE);
        const back = await walk(pages[pages.length - 1], 'previous');
        expect(back.reverse().flatMap((p) => ids(p))).toEqual(BY_BIRTHDATE);
      }
      const pages = await walk(await getBundle('/fhir/Patient?_sort=-birthdate&_count=4'), 'next');
      expect(pages.flatMap((p) => ids(p))).toEqual(BY_BIRTHDATE_DESC);
      const byIdDesc = await walk(await getBundle('/fhir/Patient?_sort=-_id&_count=5'), 'next');
      expect(byIdDesc.flatMap((p) => ids(p))).toEqual([...PATIENTS].reverse());
      // A repeated key changes nothing: its first occurrence decides.
      const repeated = await walk(await getBundle('/fhir/Patient?_sort=birthdate,-birthdate&_count=4'), 'next');
      expect(repeated.flatMap((p) => ids(p))).toEqual(BY_BIRTHDATE);
    });

    it('rejects a _cursor it did not issue', async () => {
      const res = await t.request.get('/fhir/Patient?_cursor=bm90LWEtY3Vyc29y');
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    });
  });

  describe('paging while others insert', () => {
    it('neither skips nor repeats an existing entry when matching resources are inserted between pages (id order)', async () => {
      const originals = Array.from({ length: 20 }, (_, i) => `m-${String(i * 5).padStart(3, '0')}`);
      for (const id of originals) await put(basic(id, 'inserts-by-id'));
      const inserted: string[] = [];
      const pages = await walk(await getBundle(`/fhir/Basic?code=${PAGING}|inserts-by-id&_count=4`), 'next', async (page) => {
        // Before everything, in between existing ids, and after everything.
        for (const id of [`a-${page}`, `m-${String(page * 10 + 2).padStart(3, '0')}`, `z-${page}`]) {
          await put(basic(id, 'inserts-by-id'));
          inserted.push(id);
        }
      });
      const seen = pages.flatMap((p) => ids(p));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => originals.includes(id))).toEqual(originals);
      expect(seen.filter((id) => !originals.includes(id)).every((id) => inserted.includes(id))).toBe(true);
      // Entries are in id order throughout, and inserts after the last page read do show up.
      expect(seen).toEqual([...seen].sort());
      expect(seen).toEqual(expect.arrayContaining(inserted.filter((id) => id.startsWith('z-'))));
    });

    it('neither skips nor repeats an existing entry when inserts land before, on and after the cursor (sorted by date)', async () => {
      const day = (n: number) => new Date(Date.UTC(2020, 0, 1 + n)).toISOString().slice(0, 10);
      const originals = Array.from({ length: 16 }, (_, i) => `d-${String(i).padStart(2, '0')}`);
      for (const [i, id] of originals.entries()) await put(basic(id, 'inserts-by-date', day(i * 2)));
      const inserted: string[] = [];
      const pages = await walk(await getBundle(`/fhir/Basic?code=${PAGING}|inserts-by-date&_sort=-created&_count=3`), 'next', async (page) => {
        // Newest (sorts first, already passed), a tie with an original date, one in a gap, and the oldest (still ahead).
        const adds: [string, string][] = [[`n-${page}a`, day(100 + page)], [`n-${page}b`, day(page * 4)], [`n-${page}c`, day(page * 3 + 1)], [`n-${page}d`, day(-10 - page)]];
        for (const [id, created] of adds) {
          await put(basic(id, 'inserts-by-date', created));
          inserted.push(id);
        }
      });
      const seen = pages.flatMap((p) => ids(p));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => originals.includes(id))).toEqual([...originals].reverse());
      expect(seen.filter((id) => !originals.includes(id)).every((id) => inserted.includes(id))).toBe(true);
      // The oldest inserts always sort after the cursor, so every one of them is seen.
      expect(seen).toEqual(expect.arrayContaining(inserted.filter((id) => id.endsWith('d'))));
      // None of the newest inserts is seen: they sort before the first page.
      expect(seen.filter((id) => id.endsWith('a'))).toEqual([]);
    });

    it('neither skips nor repeats when walking back while others insert', async () => {
      const originals = Array.from({ length: 12 }, (_, i) => `b-${String(i * 10).padStart(3, '0')}`);
      for (const id of originals) await put(basic(id, 'inserts-backwards'));
      const forward = await walk(await getBundle(`/fhir/Basic?code=${PAGING}|inserts-backwards&_count=5`), 'next');
      expect(forward.flatMap((p) => ids(p))).toEqual(originals);
      const back = await walk(forward[forward.length - 1], 'previous', async (page) => {
        for (const id of [`b-${String(page * 30 + 5).padStart(3, '0')}`, `a-${page}`, `c-${page}`]) await put(basic(id, 'inserts-backwards'));
      });
      const seen = back.reverse().flatMap((p) => ids(p));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => originals.includes(id))).toEqual(originals);
      expect(seen).toEqual([...seen].sort());
    });
  });

  describe('_sort', () => {
    it('sorts by a date, ascending with missing values first, ties by id', async () => {
      expect(ids(await getBundle('/fhir/Patient?_sort=birthdate&_count=50'))).toEqual(BY_BIRTHDATE);
    });

    it('sorts descending with "-", missing values last, ties still by id', async () => {
      expect(ids(await getBundle('/fhir/Patient?_sort=-birthdate&_count=50'))).toEqual(BY_BIRTHDATE_DESC);
    });

    it('sorts by several keys: a token, then a date descending', async () => {
      expect(ids(await getBundle('/fhir/Patient?_sort=gender,-birthdate&_count=50'))).toEqual([
        'ihe-pcd', // no gender
        'infant-twin-1', 'animal', 'infant-mom', 'pat4', 'genetics-example1', 'mom', 'proband', // female, youngest first
        'newborn', 'infant-twin-2', 'pat3', 'ch-example', 'example', 'f201', 'xds', 'f001', 'glossy', 'xcda', 'dicom', 'infant-fetal', 'pat1', // male
        'pat2', // other
      ]);
    });

    it('sorts by a string case-insensitively', async () => {
      const ascending = ['f203', 'f204', 'f005', 'f004', 'f201', 'example', 'xcda1', 'f007', 'xcda-author', 'f202', 'f006', 'f001', 'f003', 'f002'];
      expect(ids(await getBundle('/fhir/Practitioner?_sort=family&_count=50'))).toEqual(ascending);
      // f203 and f204 (no family) come last, in id order.
      expect(ids(await getBundle('/fhir/Practitioner?_sort=-family&_count=50'))).toEqual([...ascending.slice(2).reverse(), 'f203', 'f204']);
    });

    it('sorts by a number and by a quantity', async () => {
      expect(ids(await getBundle('/fhir/RiskAssessment?_sort=probability'))).toEqual(['breastcancer-risk', 'population', 'prognosis', 'genetic', 'riskexample', 'cardiac']);
      expect(ids(await getBundle('/fhir/RiskAssessment?_sort=-probability'))).toEqual(['cardiac', 'riskexample', 'genetic', 'breastcancer-risk', 'population', 'prognosis']);
      const res = await getBundle('/fhir/Observation?subject=Patient/f001&_sort=-value-quantity');
      expect(ids(res)).toEqual(['f002', 'f005', 'f001', 'f003', 'f004', 'ekg', 'unsat']);
    });

    it('sorts by _id and _lastUpdated', async () => {
      expect(ids(await getBundle('/fhir/Patient?_sort=-_id&_count=50'))).toEqual([...PATIENTS].reverse());
      for (const id of ['pat3', 'glossy', 'animal']) {
        const patient = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, `Patient-${id}.json`), 'utf8')) as Resource;
        await put({ ...patient, language: 'en' } as Resource);
      }
      expect(ids(await getBundle('/fhir/Patient?_sort=-_lastUpdated&_count=3'))).toEqual(['animal', 'glossy', 'pat3']);
    });

    it('ignores an unknown sort key by default and rejects it in strict mode', async () => {
      const page = await getBundle('/fhir/Patient?_sort=nonsense&_count=50');
      expect(ids(page)).toEqual(PATIENTS);
      expect(link(page, 'self')).toBe(`${BASE}/Patient?_count=50`);
      const res = await t.request.get('/fhir/Patient?_sort=nonsense').set('Prefer', 'handling=strict');
      expect(res.status).toBe(400);
    });
  });

  describe('_total', () => {
    it('leaves the total out with none, and gives it with accurate and estimate', async () => {
      const none = await getBundle('/fhir/Patient?_total=none&_count=2');
      expect(none.total).toBeUndefined();
      expect(ids(none)).toEqual(['animal', 'ch-example']);
      expect((await getBundle('/fhir/Patient?_total=accurate&_count=2')).total).toBe(22);
      expect((await getBundle('/fhir/Patient?_total=estimate&_count=2')).total).toBe(22);
      expect((await getBundle('/fhir/Patient?gender=female&_count=2')).total).toBe(7);
    });
  });

  describe('_summary and _elements', () => {
    const tags = (r: Resource | undefined) => (r?.meta?.tag ?? []).map((tag) => `${tag.system}|${tag.code}`);

    it('_summary=true keeps the summary elements of Patient and marks the resource SUBSETTED', async () => {
      const page = await getBundle('/fhir/Patient?_id=example&_summary=true');
      const patient = entries(page, 'match')[0].resource as unknown as Record<string, unknown>;
      expect(Object.keys(patient).sort()).toEqual(
        ['_birthDate', 'active', 'address', 'birthDate', 'deceasedBoolean', 'gender', 'id', 'identifier', 'managingOrganization', 'meta', 'name', 'resourceType', 'telecom'],
      );
      expect(tags(patient as unknown as Resource)).toContain(`${SUBSETTED.system}|${SUBSETTED.code}`);
      expect(page.total).toBe(1);
    });

    it('_summary=text keeps text, id and meta; _summary=data drops text only', async () => {
      const text = entries(await getBundle('/fhir/Patient?_id=example&_summary=text'), 'match')[0].resource as unknown as Record<string, unknown>;
      expect(Object.keys(text).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);
      const observation = entries(await getBundle('/fhir/Observation?_id=f001&_summary=text'), 'match')[0].resource as unknown as Record<string, unknown>;
      // Observation's mandatory elements stay.
      expect(Object.keys(observation).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'text']);
      const data = entries(await getBundle('/fhir/Patient?_id=example&_summary=data'), 'match')[0].resource as unknown as Record<string, unknown>;
      expect(Object.keys(data).sort()).toEqual(
        ['_birthDate', 'active', 'address', 'birthDate', 'contact', 'deceasedBoolean', 'gender', 'id', 'identifier', 'managingOrganization', 'meta', 'name', 'resourceType', 'telecom'],
      );
      expect(tags(data as unknown as Resource)).toContain(`${SUBSETTED.system}|${SUBSETTED.code}`);
    });

    it('_summary=count gives the total and no entries; _summary=false the whole resource, not SUBSETTED', async () => {
      const count = await getBundle('/fhir/Patient?gender=male&_summary=count');
      expect(count.total).toBe(13);
      expect(entries(count, 'match')).toEqual([]);
      const full = entries(await getBundle('/fhir/Patient?_id=example&_summary=false'), 'match')[0].resource as Resource & { contact?: unknown; text?: unknown };
      expect(full.contact).toBeDefined();
      expect(full.text).toBeDefined();
      expect(tags(full)).not.toContain(`${SUBSETTED.system}|${SUBSETTED.code}`);
    });

    it('_elements keeps the listed elements, id, meta and mandatory elements, and marks SUBSETTED', async () => {
      const patient = entries(await getBundle('/fhir/Patient?_id=example&_elements=name,gender'), 'match')[0].resource as unknown as Record<string, unknown>;
      expect(Object.keys(patient).sort()).toEqual(['gender', 'id', 'meta', 'name', 'resourceType']);
      expect(tags(patient as unknown as Resource)).toContain(`${SUBSETTED.system}|${SUBSETTED.code}`);
      const observation = entries(await getBundle('/fhir/Observation?_id=example&_elements=subject'), 'match')[0].resource as unknown as Record<string, unknown>;
      expect(Object.keys(observation).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject']);
    });

    it('_elements names a choice element by its FHIR name: value keeps valueQuantity', async () => {
      const observation = entries(await getBundle('/fhir/Observation?_id=example&_elements=value'), 'match')[0].resource as unknown as Record<string, unknown>;
      expect(Object.keys(observation).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'valueQuantity']);
    });
  });

  describe('_include and _revinclude', () => {
    it('includes what a reference parameter points at, marked include and not counted', async () => {
      const page = await getBundle('/fhir/Observation?_id=f001,blood-pressure&_include=Observation:subject');
      expect(ids(page).sort()).toEqual(['blood-pressure', 'f001']);
      expect(typedIds(page, 'include').sort()).toEqual(['Patient/example', 'Patient/f001']);
      expect(page.total).toBe(2);
      // Matches come before includes, and each entry has a fullUrl on our base.
      const modes = (page.entry ?? []).map((e) => e.search?.mode);
      expect(modes).toEqual(['match', 'match', 'include', 'include']);
      for (const e of page.entry ?? []) expect(e.fullUrl).toBe(`${BASE}/${e.resource?.resourceType}/${e.resource?.id}`);
    });

    it('restricts the target type with Type:param:Target', async () => {
      const patients = await getBundle('/fhir/Observation?_id=f001,herd1&_include=Observation:subject:Patient');
      expect(typedIds(patients, 'include')).toEqual(['Patient/f001']);
      const groups = await getBundle('/fhir/Observation?_id=f001,herd1&_include=Observation:subject:Group');
      expect(typedIds(groups, 'include')).toEqual([]);
    });

    it('includes every reference with *, each resource once', async () => {
      const page = await getBundle('/fhir/Observation?_id=f001,f002&_include=*');
      expect(typedIds(page, 'include').sort()).toEqual(['Patient/f001', 'Practitioner/f005']);
      const medication = await getBundle('/fhir/MedicationRequest?_id=medrx002&_include=MedicationRequest:*');
      expect(typedIds(medication, 'include').sort()).toEqual(['Encounter/f001', 'Medication/med0316', 'Patient/pat1', 'Practitioner/f007']);
    });

    it('never includes a match again', async () => {
      const page = await getBundle('/fhir/Encounter?_id=f203&_include=Encounter:part-of');
      expect(typedIds(page)).toEqual(['Encounter/f203']);
      expect(entries(page, 'include')).toEqual([]);
      const linked = await getBundle('/fhir/Patient?_id=pat1,pat2&_include=Patient:link');
      expect(entries(linked, 'include')).toEqual([]);
    });

    it('follows :iterate includes from included resources', async () => {
      const page = await getBundle('/fhir/MedicationRequest?_id=medrx002&_include=MedicationRequest:subject&_include:iterate=Patient:organization&_include=MedicationRequest:medication');
      expect(typedIds(page)).toEqual(['MedicationRequest/medrx002']);
      expect(typedIds(page, 'include').sort()).toEqual(['Medication/med0316', 'Organization/1', 'Patient/pat1']);
      const tasks = await getBundle('/fhir/Task?_id=example2&_include=Task:part-of&_include:iterate=Task:focus');
      expect(typedIds(tasks, 'include').sort()).toEqual(['ServiceRequest/lipid', 'Task/example1']);
      // Without :iterate, Task:focus applies to the matches only (example2 has no focus).
      const once = await getBundle('/fhir/Task?_id=example2&_include=Task:part-of&_include=Task:focus');
      expect(typedIds(once, 'include')).toEqual(['Task/example1']);
    });

    it('reverse-includes the resources that refer to the matches', async () => {
      const page = await getBundle('/fhir/Patient?_id=f001&_revinclude=Observation:subject');
      expect(typedIds(page)).toEqual(['Patient/f001']);
      expect(ids(page, 'include').sort()).toEqual(['ekg', 'f001', 'f002', 'f003', 'f004', 'f005', 'unsat']);
      expect(page.total).toBe(1);
      const both = await getBundle('/fhir/Patient?_id=f001&_revinclude=Observation:subject&_revinclude=Encounter:subject&_include=Patient:organization');
      expect(typedIds(both, 'include').sort()).toEqual([
        'Encounter/f001', 'Encounter/f002', 'Encounter/f003', 'Observation/ekg', 'Observation/f001', 'Observation/f002', 'Observation/f003', 'Observation/f004',
        'Observation/f005', 'Observation/unsat', 'Organization/f001',
      ]);
    });

    it('follows :iterate reverse includes', async () => {
      const page = await getBundle('/fhir/Patient?_id=f001&_revinclude=Encounter:subject&_revinclude:iterate=Condition:encounter');
      expect(typedIds(page, 'include').sort()).toEqual(['Condition/f001', 'Condition/f002', 'Condition/f003', 'Encounter/f001', 'Encounter/f002', 'Encounter/f003']);
    });

    it('includes only for the entries of the current page', async () => {
      const first = await getBundle('/fhir/Observation?subject=Patient/f001,Patient/f201&_sort=-_id&_count=3&_include=Observation:performer');
      expect(ids(first)).toEqual(['unsat', 'f206', 'f205']);
      expect(typedIds(first, 'include').sort()).toEqual(['Practitioner/f005', 'Practitioner/f202']);
      const second = await getBundle(link(first, 'next') as string);
      expect(ids(second)).toEqual(['f204', 'f203', 'f202']);
      expect(typedIds(second, 'include').sort()).toEqual(['Practitioner/f201', 'Practitioner/f202']);
    });
  });

  describe('POST _search', () => {
    it('takes parameters from the form body and the URL together', async () => {
      const res = await t.request.post('/fhir/Patient/_search?gender=male').type('form').send('name=peter');
      expect(res.status).toBe(200);
      expect(ids(res.body as Bundle)).toEqual(['example']);
      const none = await t.request.post('/fhir/Patient/_search?name=peter').type('form').send('name=levin');
      expect(ids(none.body as Bundle)).toEqual([]);
      const both = await t.request.post('/fhir/Patient/_search?name=peter').type('form').send('name=chalmers&_elements=name');
      expect(ids(both.body as Bundle)).toEqual(['example']);
    });

    it('answers with a self link that GET reproduces, and pages like GET', async () => {
      const res = await t.request.post('/fhir/Patient/_search').type('form').send('gender=female&_sort=birthdate&_count=3');
      expect(res.status).toBe(200);
      const first = res.body as Bundle;
      const female = ['proband', 'genetics-example1', 'mom', 'pat4', 'infant-mom', 'animal', 'infant-twin-1'];
      expect(ids(first)).toEqual(female.slice(0, 3));
      expect(ids(await getBundle(link(first, 'self') as string))).toEqual(female.slice(0, 3));
      const pages = await walk(first, 'next');
      expect(pages.flatMap((p) => ids(p))).toEqual(female);
    });

    it('searches at system level with _type from the body', async () => {
      const res = await t.request.post('/fhir/_search').type('form').send('_type=Practitioner,Patient&name=pieter');
      expect(res.status).toBe(200);
      expect(typedIds(res.body as Bundle).sort()).toEqual(['Patient/f001', 'Practitioner/f002']);
    });

    it('treats operator-looking names and values in the body as unknown parameters or literal text', async () => {
      const res = await t.request.post('/fhir/Patient/_search').type('form').send('_id[$ne]=x&name={"$ne":1}&$where=1');
      expect(res.status).toBe(200);
      expect(ids(res.body as Bundle)).toEqual([]);
      expect(decoded(res.body as Bundle, 'self')).toBe(`${BASE}/Patient?name={"$ne":1}`);
      const strict = await t.request.post('/fhir/Patient/_search').set('Prefer', 'handling=strict').type('form').send('_id[$ne]=x');
      expect(strict.status).toBe(400);
    });

    it('rejects a malformed value in the body with 400', async () => {
      const res = await t.request.post('/fhir/Patient/_search').type('form').send('birthdate=xx2020');
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    });
  });

  describe('system-level search', () => {
    it('walks the types of _type in name order, then by id, across pages', async () => {
      const organizations = ['1', '1832473e-2fe0-452d-abe9-3cdb9879522f', '2', '2.16.840.1.113883.19.5', '3', 'f001', 'f002', 'f003', 'f201', 'f203', 'hl7', 'hl7pay', 'mmanu'];
      const expected = [...organizations.map((id) => `Organization/${id}`), ...PATIENTS.map((id) => `Patient/${id}`)];
      const first = await getBundle('/fhir?_type=Patient,Organization&_count=6');
      expect(first.total).toBe(expected.length);
      const pages = await walk(first, 'next');
      expect(pages.flatMap((p) => typedIds(p))).toEqual(expected);
      const back = await walk(pages[pages.length - 1], 'previous');
      expect(back.reverse().flatMap((p) => typedIds(p))).toEqual(expected);
    });

    it('applies common parameters and includes at system level', async () => {
      const page = await getBundle('/fhir?_type=Observation,Condition,Encounter&_id=f001');
      expect(typedIds(page)).toEqual(['Condition/f001', 'Encounter/f001', 'Observation/f001']);
      const included = await getBundle('/fhir?_type=Observation,Condition&_id=f001&_include=Observation:subject&_include=Condition:subject&_include=Observation:performer');
      expect(typedIds(included)).toEqual(['Condition/f001', 'Observation/f001']);
      expect(typedIds(included, 'include').sort()).toEqual(['Patient/f001', 'Practitioner/f005']);
      const reverse = await getBundle('/fhir?_type=Encounter&_id=f203&_revinclude=Condition:encounter');
      expect(typedIds(reverse, 'include').sort()).toEqual(['Condition/f203', 'Condition/f204']);
      const summary = await getBundle('/fhir?_type=Observation,Condition&_id=f001&_summary=count');
      expect(summary.total).toBe(2);
      expect(entries(summary, 'match')).toEqual([]);
    });
  });
});

/** BY_BIRTHDATE descending: dates newest first (ties still by id), those without one last (by id). */
const BY_BIRTHDATE_DESC = [
  'newborn', 'infant-twin-1', 'infant-twin-2', 'animal', 'infant-mom', 'pat4', 'pat3', 'ch-example', 'example', 'genetics-example1', 'mom', 'proband', 'f201', 'xds',
  'f001', 'glossy', 'xcda', 'dicom', 'ihe-pcd', 'infant-fetal', 'pat1', 'pat2',
];
