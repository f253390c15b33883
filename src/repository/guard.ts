/**
 * The guard that makes conditional writes race-safe. Every conditional create, update or delete
 * first writes one guard document per (type, criteria) in its transaction, then searches, then
 * writes. Two concurrent transactions with the same criteria thus write the same document: MongoDB
 * aborts the later one with a write conflict and the driver retries it, and the retry sees the
 * earlier one's resource; the embedded engine runs transactions one at a time anyway.
 *
 * The collection name starts with "_" so it can never be a resource type, and does not end with
 * "_history", so neither system search nor system history mistakes it for resources. Guards only
 * matter while their transactions run, so those not claimed for an hour are removed at start-up
 * (pruneGuards) instead of accumulating one per criteria ever used.
 */
import { createHash } from 'node:crypto';
import type { Collections, Doc } from '../storage/port';

export const GUARD_COLLECTION = '_conditional';

interface GuardDoc extends Doc {
  /** The type and canonical criteria the key was made from, for whoever reads the collection. */
  criteria: string;
  /** How many conditional writes have claimed this guard: each claim changes the document. */
  claims: number;
  lastClaimed: string;
}

/** The guard key of conditional criteria: a hash of the type and the canonical criteria text. */
export function guardKey(type: string, canonicalCriteria: string): string {
  return createHash('sha256').update(`${type}?${canonicalCriteria}`).digest('hex');
}

/** Claims the guard in `db` (a transaction's collections): bumps its counter, creating it if absent. */
export async function claimGuard(db: Collections, type: string, canonicalCriteria: string, now: Date): Promise<void> {
  const guards = db.collection<GuardDoc>(GUARD_COLLECTION);
  const _id = guardKey(type, canonicalCriteria);
  const current = await guards.findOne({ _id });
  const doc: GuardDoc = { _id, criteria: `${type}?${canonicalCriteria}`, claims: (current?.claims ?? 0) + 1, lastClaimed: now.toISOString() };
  await guards.replaceOne({ _id }, doc, { upsert: true });
}

/** How long after its last claim a guard may be removed: far longer than any transaction runs. */
export const GUARD_IDLE_MS = 60 * 60 * 1000;

/** Removes the guards not claimed since `now` − GUARD_IDLE_MS; returns how many. */
export async function pruneGuards(db: Collections, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - GUARD_IDLE_MS).toISOString();
  const { deletedCount } = await db.collection<GuardDoc>(GUARD_COLLECTION).deleteMany({ lastClaimed: { $lt: cutoff } });
  return deletedCount;
}
