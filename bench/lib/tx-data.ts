/**
 * Bundles for the transaction bench, built on the seeded patient generator of the tests
 * (test/helpers/patient-bundle.ts): one patient's history sized to about N entries, the same entries
 * as single creates, and a large import whose photos carry realistic inline JPEG data.
 */
import type { Media } from '@medplum/fhirtypes';
import { generatePatientBundle, type GeneratedEntry, type PatientBundle } from '../../test/helpers/patient-bundle';
import { mulberry32 } from '../../test/helpers/prng';

/** Entries per encounter of the generator (about 27), used only to pick a starting guess. */
const ENTRIES_PER_ENCOUNTER = 26.5;

/** A patient bundle from `seed` whose entry count is as close to `target` as whole encounters allow. */
export function sizedPatientBundle(seed: number, key: string, target: number): PatientBundle {
  const guess = Math.max(1, Math.round((target - 14) / ENTRIES_PER_ENCOUNTER));
  let best: PatientBundle | undefined;
  for (let encounters = Math.max(1, guess - 2); encounters <= guess + 2; encounters++) {
    const candidate = generatePatientBundle({ seed, key, encounters });
    if (!best || Math.abs(candidate.bundle.entry.length - target) < Math.abs(best.bundle.entry.length - target)) best = candidate;
  }
  return best as PatientBundle;
}

/**
 * Removes every Reference that points at a later entry of the same bundle (the generator has a few: the
 * first encounter's Conditions ↔ that Encounter, and Media/QuestionnaireResponse.basedOn → the
 * ServiceRequest that lists them). Single creates can only point backwards, so the bench drops these
 * from both the transaction and the single creates, keeping the two workloads identical. All the
 * dropped elements are optional in R4. Returns how many references were removed.
 */
export function dropForwardReferences(entries: GeneratedEntry[]): number {
  const position = new Map(entries.map((e, i) => [e.fullUrl, i]));
  let dropped = 0;
  const isForward = (node: unknown, at: number): boolean => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
    const ref = (node as { reference?: unknown }).reference;
    return typeof ref === 'string' && (position.get(ref) ?? -1) >= at;
  };
  const prune = (node: unknown, at: number): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((item) => prune(item, at));
      return;
    }
    const holder = node as Record<string, unknown>;
    for (const key of Object.keys(holder)) {
      const value = holder[key];
      if (Array.isArray(value)) {
        const kept = value.filter((item) => !isForward(item, at));
        dropped += value.length - kept.length;
        if (kept.length === 0) delete holder[key];
        else {
          holder[key] = kept;
          prune(kept, at);
        }
      } else if (isForward(value, at)) {
        dropped++;
        delete holder[key];
      } else prune(value, at);
    }
  };
  entries.forEach((entry, i) => prune(entry.resource, i));
  return dropped;
}

/** One single create: the resource's JSON with its urn:uuid references still in, and the entries they name. */
export interface SingleCreate {
  type: string;
  /** The resource as JSON; each `"urn:uuid:…"` is replaced by the `"Type/id"` the server gave that entry. */
  template: string;
  /** The fullUrls this resource references, with the index of the entry that has each. */
  dependsOn: { fullUrl: string; index: number }[];
}

/** The entries of a bundle as single creates, in bundle order; throws if any reference points forward. */
export function asSingleCreates(entries: readonly GeneratedEntry[]): SingleCreate[] {
  const position = new Map(entries.map((e, i) => [e.fullUrl, i]));
  return entries.map((entry, i) => {
    const template = JSON.stringify(entry.resource);
    const dependsOn: SingleCreate['dependsOn'] = [];
    for (const m of template.matchAll(/"(urn:uuid:[0-9a-f-]+)"/g)) {
      const index = position.get(m[1]);
      if (index === undefined || index >= i) throw new Error(`entry ${i} (${entry.resource.resourceType}) references ${m[1]}, which is not an earlier entry`);
      if (!dependsOn.some((d) => d.fullUrl === m[1])) dependsOn.push({ fullUrl: m[1], index });
    }
    return { type: entry.resource.resourceType, template, dependsOn };
  });
}

export interface BigBundle {
  /** The serialised transaction Bundle. */
  body: Buffer;
  entries: number;
  patients: number;
  photos: number;
  /** Bytes of base64 photo data inside the body. */
  photoBytes: number;
  /** Resources created, by type. */
  counts: Record<string, number>;
}

/** Encounters per patient in the large import (about 570 entries, 0.7 MB of JSON each before photos). */
const BIG_ENCOUNTERS = 20;

/**
 * A transaction of about `targetBytes`: whole patient bundles (distinct seeds and keys, all references
 * urn:uuid between entries of the same patient) merged into one, whose three consult photos each carry
 * inline JPEG-like base64 data of about `photoKiB` (±50 %, seeded), scaled so the body lands on
 * `targetBytes`. `photoKiB` 0 keeps the generator's few-hundred-byte stubs: structured records only.
 */
export function bigBundle(targetBytes: number, photoKiB: number, seed: number): BigBundle {
  const random = mulberry32(seed);
  const perPatientRecords = JSON.stringify(generatePatientBundle({ seed, key: 'probe', encounters: BIG_ENCOUNTERS }).bundle.entry).length;
  const perPatient = perPatientRecords + 3 * photoKiB * 1024 * (4 / 3);
  const patients = Math.max(1, Math.round(targetBytes / perPatient));
  const entries: GeneratedEntry[] = [];
  const counts: Record<string, number> = {};
  const media: Media[] = [];
  for (let p = 0; p < patients; p++) {
    const generated = generatePatientBundle({ seed: seed + 1 + p, key: `big-${seed}-${p}`, encounters: BIG_ENCOUNTERS });
    entries.push(...generated.bundle.entry);
    for (const [type, n] of Object.entries(generated.counts)) counts[type] = (counts[type] ?? 0) + n;
    for (const e of generated.bundle.entry) if (e.resource.resourceType === 'Media') media.push(e.resource as Media);
  }
  let photoBytes = 0;
  if (photoKiB > 0) {
    const records = JSON.stringify(entries).length - media.reduce((n, m) => n + (m.content.data?.length ?? 0), 0);
    // Raw JPEG bytes left for the photos once the records are counted; base64 takes 4/3 of that.
    const budget = Math.max(media.length * 1024, ((targetBytes - records) * 3) / 4);
    const weights = media.map(() => 0.5 + random());  // each photo 0.5–1.5× the average
    const total = weights.reduce((a, b) => a + b, 0);
    media.forEach((m, i) => {
      const size = Math.max(1024, Math.floor((budget * weights[i]) / total));
      m.content = { ...m.content, data: jpegLike(size, random), size };
      photoBytes += m.content.data?.length ?? 0;
    });
  } else {
    photoBytes = media.reduce((n, m) => n + (m.content.data?.length ?? 0), 0);
  }
  const body = Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }), 'utf8');
  return { body, entries: entries.length, patients, photos: media.length, photoBytes, counts };
}

/** `size` seeded bytes behind JPEG SOI/APP0 markers, base64-encoded: incompressible, like a real photo. */
function jpegLike(size: number, random: () => number): string {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE(Math.floor(random() * 0x1_0000_0000), Math.min(i, size - 4));
  bytes.set([0xff, 0xd8, 0xff, 0xe0], 0);
  bytes.set([0xff, 0xd9], size - 2);
  return bytes.toString('base64');
}
