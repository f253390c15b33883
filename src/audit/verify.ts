/**
 * Verifies the audit chain (chain.ts) read straight from the store: walks the AuditEvents in sequence
 * order and reports the first break — a missing sequence number (a deleted event), a link that does
 * not match the hash of the event before it (a modified event), or a chain head that does not match
 * the newest event (the newest events modified or removed). Reads every event into memory.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Collections } from '../storage/port';
import { currentCollection, type CurrentDoc } from '../repository/documents';
import { eventHash, GENESIS, HEAD_COLLECTION, HEAD_ID, linkOf, type ChainHead } from './chain';

export type ChainReport =
  | { ok: true; count: number }
  | {
      ok: false;
      /** Events verified before the break. */
      count: number;
      /** Sequence number where the chain breaks. */
      sequence: number;
      /** The event at the break (when there is one). */
      id?: string;
      problem: string;
    };

/** Checks the whole chain of the store's AuditEvents. */
export async function verifyAuditChain(db: Collections): Promise<ChainReport> {
  const docs = await db.collection<CurrentDoc>(currentCollection('AuditEvent')).find({});
  const events: { sequence: number; resource: Resource }[] = [];
  for (const doc of docs) {
    if (!doc.resource) return { ok: false, count: 0, sequence: 0, id: doc._id, problem: `AuditEvent/${doc._id} is recorded as deleted` };
    const { sequence } = linkOf(doc.resource);
    if (sequence === undefined) return { ok: false, count: 0, sequence: 0, id: doc._id, problem: `AuditEvent/${doc._id} carries no sequence number` };
    events.push({ sequence, resource: doc.resource });
  }
  events.sort((a, b) => a.sequence - b.sequence);
  let previous = GENESIS;
  let expected = 1;
  for (const { sequence, resource } of events) {
    const id = resource.id;
    const at = (problem: string) => ({ ok: false as const, count: expected - 1, sequence, id, problem });
    if (sequence < expected) return at(`two AuditEvents carry sequence ${sequence} (AuditEvent/${id} is one)`);
    if (sequence > expected) {
      const missing = sequence - 1 === expected ? `${expected} is` : `${expected} to ${sequence - 1} are`;
      return at(`sequence ${missing} missing: deleted AuditEvent(s) before AuditEvent/${id} (sequence ${sequence})`);
    }
    if (linkOf(resource).previousHash !== previous) {
      return at(`AuditEvent/${id} (sequence ${sequence}) does not carry the hash of the event before it: ${sequence === 1 ? 'it was modified' : `event ${sequence - 1} (or this one) was modified`}`);
    }
    previous = eventHash(resource);
    expected += 1;
  }
  const count = expected - 1;
  const head = await db.collection<ChainHead>(HEAD_COLLECTION).findOne({ _id: HEAD_ID });
  const last = count;
  if (!head) return count === 0 ? { ok: true, count } : { ok: false, count, sequence: last, problem: `the chain head (collection ${HEAD_COLLECTION}) is missing` };
  if (head.sequence > last) return { ok: false, count, sequence: last + 1, problem: `the newest AuditEvents (sequence ${last + 1} to ${head.sequence}) are missing: deleted` };
  if (head.sequence < last) return { ok: false, count, sequence: head.sequence + 1, problem: `AuditEvents after sequence ${head.sequence} were not written by Relay's audit writer (the chain head ends there)` };
  if (head.hash !== previous) return { ok: false, count: last - 1, sequence: last, id: events.at(-1)?.resource.id, problem: `the newest AuditEvent (sequence ${last}) does not match the chain head: it was modified` };
  return { ok: true, count };
}

/** One line for people: "audit chain OK: n events" or where and why it breaks. */
export function describeReport(report: ChainReport): string {
  if (report.ok) return `audit chain OK: ${report.count} AuditEvent(s) verified`;
  return `audit chain BROKEN at sequence ${report.sequence}${report.id ? ` (AuditEvent/${report.id})` : ''}: ${report.problem}; ${report.count} event(s) before it verified`;
}
