/**
 * The tamper-evident chain of AuditEvents: each event carries its sequence number and the SHA-256 of
 * the canonical JSON of the event before it (a hash chain: that hash covers the previous event's own
 * link too, so changing any event breaks the link of the next one). The chain head (last sequence
 * and the hash of the last event) is kept in the `_audit` collection, written in the same store
 * transaction as each batch, so that removing or changing the newest events is detected too.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, Resource } from '@medplum/fhirtypes';

export const CHAIN_URL = 'https://relay.example/fhir/StructureDefinition/audit-chain';
export const SEQUENCE_URL = 'https://relay.example/fhir/StructureDefinition/audit-sequence';

/** The collection holding the chain head (not a resource type: invisible to FHIR search and history). */
export const HEAD_COLLECTION = '_audit';
export const HEAD_ID = 'chain-head';

export interface ChainHead {
  _id: string;
  /** Sequence number of the last event written (0: none yet). */
  sequence: number;
  /** Hash of the last event written (GENESIS when none). */
  hash: string;
  [field: string]: unknown;
}

/** The "previous hash" of event 1: SHA-256 of no bytes. */
export const GENESIS = sha256('');

/** base64 SHA-256 of the event's canonical JSON: keys sorted, meta.versionId and meta.lastUpdated left out. */
export function eventHash(event: Resource): string {
  const { meta, ...rest } = event as Resource & Record<string, unknown>;
  const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta ?? {};
  return sha256(canonicalJson(Object.keys(otherMeta).length ? { ...rest, meta: otherMeta } : rest));
}

/** The event with its sequence number and the hash of its predecessor as the first extensions. */
export function linkEvent(event: AuditEvent, sequence: number, previousHash: string): AuditEvent {
  const own = (event.extension ?? []).filter((e) => e.url !== CHAIN_URL && e.url !== SEQUENCE_URL);
  return { ...event, extension: [{ url: SEQUENCE_URL, valueInteger: sequence }, { url: CHAIN_URL, valueString: previousHash }, ...own] };
}

/** The sequence number and previous hash an event carries (undefined when absent). */
export function linkOf(event: Resource): { sequence?: number; previousHash?: string } {
  const ext = (event as AuditEvent).extension ?? [];
  return { sequence: ext.find((e) => e.url === SEQUENCE_URL)?.valueInteger, previousHash: ext.find((e) => e.url === CHAIN_URL)?.valueString };
}

/** JSON with object keys sorted at every level, undefined members left out (the same text on every engine). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}
