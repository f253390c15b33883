/** Reading batch/transaction responses and comparing stored resources (shared by the bundle tests). */
import type { BundleEntry } from '@medplum/fhirtypes';
import { TEST_BASE_URL as BASE } from './test-app';

/** The numeric HTTP status of a response entry ("201 Created" → 201); NaN when absent or malformed. */
export function entryStatus(entry: BundleEntry | undefined): number {
  const m = /^(\d{3})(?:\s|$)/.exec(entry?.response?.status ?? '');
  return m ? Number(m[1]) : NaN;
}

/**
 * `Type/id` and version of a response entry's location (absolute on the test base, or relative as
 * `Type/id/_history/v`); undefined when it is neither.
 */
export function entryLocation(entry: BundleEntry | undefined): { ref: string; type: string; id: string; version?: string } | undefined {
  const location = entry?.response?.location ?? '';
  const relative = location.startsWith(`${BASE}/`) ? location.slice(BASE.length + 1) : location;
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/.exec(relative);
  return m ? { ref: `${m[1]}/${m[2]}`, type: m[1], id: m[2], version: m[3] } : undefined;
}

/** `Type/id` of a literal reference to a resource on the test base (relative or absolute, not versioned); else undefined. */
export function localReference(reference: string): string | undefined {
  const relative = reference.startsWith(`${BASE}/`) ? reference.slice(BASE.length + 1) : reference;
  return /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(relative) ? relative : undefined;
}

/** Every `expression` of every issue of an OperationOutcome-like body. */
export function outcomeExpressions(body: unknown): string[] {
  const issues = (body as { issue?: { expression?: string[] }[] } | undefined)?.issue ?? [];
  return issues.flatMap((i) => i.expression ?? []);
}

/** A deep copy of `value` in which every `reference` string is replaced by `map(reference)`. */
export function mapReferences(value: unknown, map: (reference: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapReferences(v, map));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'reference' && typeof v === 'string' ? map(v) : mapReferences(v, map);
  return out;
}

/** The resource without id, meta.versionId and meta.lastUpdated (and without meta if nothing else is left). */
export function withoutServerFields(resource: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, meta, ...rest } = resource;
  if (!meta || typeof meta !== 'object') return rest;
  const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta as Record<string, unknown>;
  return Object.keys(otherMeta).length ? { ...rest, meta: otherMeta } : rest;
}

