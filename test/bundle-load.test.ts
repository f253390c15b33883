/**
 * Acceptance (issue 4): realistic patient transaction Bundles of 500+ entries, each a web of
 * urn:uuid references (test/helpers/patient-bundle.ts), load completely and correctly. R4
 * http.html#trules: the server assigns ids to POSTed resources and SHALL replace every reference to
 * an entry's fullUrl with the new location; the response has one entry per request entry, in order.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { installedCount, startTestApp, type TestApp } from './helpers/test-app';
import { BUNDLE_TAG_SYSTEM, RESOURCE_SYSTEM, generatePatientBundle, ourIdentifier, type PatientBundle } from './helpers/patient-bundle';
import { entryLocation, entryStatus, localReference, mapReferences, withoutServerFields } from './helpers/bundle-response';
import { firstDifference } from './helpers/json-diff';

const FHIR = 'application/fhir+json';
const SEEDS = [4101, 4102, 4103, 4104];

describe('loading realistic patient transaction bundles (500+ entries each)', () => {
  let t: TestApp;
  const sent: PatientBundle[] = SEEDS.map((seed) => generatePatientBundle({ seed }));
  const answers: { status: number; body: Bundle }[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    // Two at a time: concurrent transactions must not interfere with each other.
    for (let i = 0; i < sent.length; i += 2) {
      const pair = await Promise.all(sent.slice(i, i + 2).map((pb) => t.request.post('/fhir').set('Content-Type', FHIR).send(pb.bundle)));
      for (const res of pair) answers.push({ status: res.status, body: res.body });
    }
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Every current resource of `type` carrying the bundle's tag, following next links. */
  async function taggedResources(pb: PatientBundle, type: string): Promise<Resource[]> {
    const out: Resource[] = [];
    let url: string | undefined = `/fhir/${type}?_tag=${encodeURIComponent(`${BUNDLE_TAG_SYSTEM}|${pb.key}`)}&_count=1000`;
    while (url) {
      const res = await t.request.get(url);
      expect(res.status).toBe(200);
      out.push(...((res.body as Bundle).entry ?? []).map((e) => e.resource as Resource));
      const next: string | undefined = (res.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
      url = next?.replace('http://relay.test', '');
    }
    return out;
  }

  const total = async (url: string): Promise<number> => {
    const res = await t.request.get(url);
    expect(res.status).toBe(200);
    return (res.body as Bundle).total as number;
  };

  it('generates bundles of more than 500 entries, the same for the same seed', () => {
    for (const pb of sent) expect(pb.bundle.entry.length).toBeGreaterThan(500);
    expect(generatePatientBundle({ seed: SEEDS[0] })).toEqual(sent[0]);
    expect(JSON.stringify(sent[1].bundle)).not.toEqual(JSON.stringify(sent[0].bundle));
  });

  it('answers 200 with a transaction-response whose entries, in request order, are each 201 with a Location, ETag W/"1" and lastModified', () => {
    sent.forEach((pb, b) => {
      const { status, body } = answers[b];
      expect({ bundle: pb.key, status, type: body.type }).toEqual({ bundle: pb.key, status: 200, type: 'transaction-response' });
      expect(body.entry).toHaveLength(pb.bundle.entry.length);
      const wrong: string[] = [];
      (body.entry ?? []).forEach((e: BundleEntry, i) => {
        const loc = entryLocation(e);
        const expectedType = pb.bundle.entry[i].resource.resourceType;
        if (entryStatus(e) !== 201 || loc?.type !== expectedType || loc.version !== '1' || e.response?.etag !== 'W/"1"' || !e.response?.lastModified) {
          wrong.push(`${pb.key} entry ${i} (${expectedType}): ${JSON.stringify(e.response)}`);
        }
      });
      expect(wrong.slice(0, 10)).toEqual([]);
      const ids = (body.entry ?? []).map((e: BundleEntry) => entryLocation(e)?.ref);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  it('creates exactly what each bundle sent: the count per resource type matches', async () => {
    for (const pb of sent) {
      const counted: Record<string, number> = {};
      for (const type of Object.keys(pb.counts)) counted[type] = await total(`/fhir/${type}?_tag=${encodeURIComponent(`${BUNDLE_TAG_SYSTEM}|${pb.key}`)}&_summary=count`);
      expect({ bundle: pb.key, counted }).toEqual({ bundle: pb.key, counted: pb.counts });
    }
    const everything = sent.reduce((n, pb) => n + pb.bundle.entry.length, 0);
    expect(await total('/fhir/_history?_count=0')).toBe(everything + installedCount());
  });

  it('stores no urn:uuid anywhere: no version of any resource in the system history contains one', async () => {
    let url: string | undefined = '/fhir/_history?_count=1000';
    let seen = 0;
    const offenders: string[] = [];
    while (url) {
      const res = await t.request.get(url);
      expect(res.status).toBe(200);
      for (const e of (res.body as Bundle).entry ?? []) {
        seen++;
        const text = JSON.stringify(e.resource);
        if (text.includes('urn:uuid:')) offenders.push(`${e.resource?.resourceType}/${e.resource?.id}: ${text.slice(text.indexOf('urn:uuid:') - 80, text.indexOf('urn:uuid:') + 50)}`);
      }
      const next: string | undefined = (res.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
      url = next?.replace('http://relay.test', '');
    }
    expect(seen).toBe(sent.reduce((n, pb) => n + pb.bundle.entry.length, 0) + installedCount());
    expect(offenders.slice(0, 10)).toEqual([]);
  });

  it('stores every resource as sent, each reference (nested ones included) pointing at the resource created for its fullUrl, compared by identifier', async () => {
    for (const pb of sent) {
      const stored: Resource[] = [];
      for (const type of Object.keys(pb.counts)) stored.push(...(await taggedResources(pb, type)));
      // Identify targets by our identifier: urn:uuid → identifier on the sent side, Type/id → identifier on the stored side.
      const sentByFullUrl = new Map(pb.bundle.entry.map((e) => [e.fullUrl, ourIdentifier(e.resource)]));
      const storedByRef = new Map(stored.map((r) => [`${r.resourceType}/${r.id}`, ourIdentifier(r)]));
      const sentByIdentifier = new Map(pb.bundle.entry.map((e) => [ourIdentifier(e.resource), e.resource]));
      const problems: string[] = [];
      for (const resource of stored) {
        const identifier = ourIdentifier(resource);
        const original = sentByIdentifier.get(identifier);
        if (!original) {
          problems.push(`${resource.resourceType}/${resource.id}: identifier ${identifier} was not sent`);
          continue;
        }
        const expected = mapReferences(original, (ref) => `-> ${sentByFullUrl.get(ref) ?? `unresolvable ${ref}`}`);
        const actual = mapReferences(withoutServerFields(resource as unknown as Record<string, unknown>), (ref) => {
          const local = localReference(ref);
          return `-> ${(local && storedByRef.get(local)) ?? `not a created resource: ${ref}`}`;
        });
        const diff = firstDifference(actual, expected);
        if (diff) problems.push(`${identifier}: ${diff}`);
      }
      expect({ bundle: pb.key, stored: stored.length, problems: problems.slice(0, 10) }).toEqual({ bundle: pb.key, stored: pb.bundle.entry.length, problems: [] });
    }
  });

  it("links each bundle's clinical resources to that bundle's Patient and to no other", async () => {
    for (const [b, pb] of sent.entries()) {
      const tag = encodeURIComponent(`${BUNDLE_TAG_SYSTEM}|${pb.key}`);
      const own = encodeURIComponent(`${RESOURCE_SYSTEM}|${pb.patientIdentifier}`);
      const other = encodeURIComponent(`${RESOURCE_SYSTEM}|${sent[(b + 1) % sent.length].patientIdentifier}`);
      for (const type of ['Observation', 'Encounter', 'Condition', 'Media', 'ServiceRequest', 'QuestionnaireResponse', 'Task']) {
        expect({ type, own: await total(`/fhir/${type}?_tag=${tag}&subject:Patient.identifier=${own}&_summary=count`) }).toEqual({ type, own: pb.counts[type] });
        expect({ type, other: await total(`/fhir/${type}?subject:Patient.identifier=${other}&_tag=${tag}&_summary=count`) }).toEqual({ type, other: 0 });
      }
      // The consult's Task focuses the bundle's ServiceRequest, found by its identifier.
      const sr = encodeURIComponent(`${RESOURCE_SYSTEM}|${pb.key}/ServiceRequest/0`);
      expect(await total(`/fhir/Task?focus:ServiceRequest.identifier=${sr}&_summary=count`)).toBe(1);
      expect(await total(`/fhir/Media?based-on:ServiceRequest.identifier=${sr}&_summary=count`)).toBe(pb.counts.Media);
    }
  });

  it('serves each created resource at the Location of its response entry, response entry i being request entry i', async () => {
    const pb = sent[0];
    const entries = answers[0].body.entry ?? [];
    const wrong: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const i = next++;
        const loc = entryLocation(entries[i]);
        const res = await t.request.get(`/fhir/${loc?.ref}/_history/1`);
        const identifier = res.status === 200 ? ourIdentifier(res.body as Resource) : undefined;
        if (identifier !== ourIdentifier(pb.bundle.entry[i].resource)) wrong.push(`entry ${i}: ${loc?.ref} answers ${res.status} with identifier ${identifier}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(wrong.slice(0, 10)).toEqual([]);
  }, 60_000);
});
