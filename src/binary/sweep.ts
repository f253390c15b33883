/**
 * The blob sweep: removes stored content that no current Binary version has referenced for longer
 * than the retention (RELAY_BLOB_RETENTION), every RELAY_BLOB_SWEEP. Content found in the blob store
 * without a `_blobs` document (an upload whose write failed, or a crash between the two) is recorded
 * as unreferenced from the moment the sweep first sees it.
 */
import type { Store } from '../storage/port';
import { BLOBS_COLLECTION, noteUnreferenced, type BlobDoc } from './refs';
import { leasesOf } from './leases';
import { startPeriodic, type PeriodicHandle } from '../storage/periodic';

export interface SweepOptions {
  retentionMs: number;
  now?: () => Date;
}

/** One pass; answers the SHA-256 of the content it removed. */
export async function sweepBlobs(store: Store, options: SweepOptions): Promise<string[]> {
  const now = (options.now ?? (() => new Date()))();
  const leases = leasesOf(store.blobs);
  const docs = store.collection<BlobDoc>(BLOBS_COLLECTION);
  const known = new Set((await docs.find({}, { projection: { _id: 1 } })).map((d) => d._id));
  const seenNow = new Set<string>();
  for (const sha256 of await store.blobs.list()) {
    if (known.has(sha256) || leases.held(sha256)) continue;
    const stat = await store.blobs.stat(sha256);
    if (!stat) continue;
    await noteUnreferenced(store, { sha256, size: stat.size, sha1: '' }, now);
    seenNow.add(sha256);
  }
  const cutoff = now.getTime() - options.retentionMs;
  const removed: string[] = [];
  for (const doc of await docs.find({ refs: 0, unreferencedSince: { $lte: cutoff } })) {
    // Content first seen unreferenced in this pass waits for the next one, whatever the retention,
    // so that an upload whose write is about to commit is never taken from under it.
    if (seenNow.has(doc._id)) continue;
    const gone = await leases.turn(doc._id, async () => {
      if (leases.held(doc._id)) return false;
      const forgotten = await store.transaction(async (tx) => {
        const current = await tx.collection<BlobDoc>(BLOBS_COLLECTION).findOne({ _id: doc._id });
        if (!current || current.refs > 0 || current.unreferencedSince === null || current.unreferencedSince > cutoff) return false;
        await tx.collection(BLOBS_COLLECTION).deleteOne({ _id: doc._id });
        return true;
      });
      if (forgotten) await store.blobs.remove(doc._id);
      return forgotten;
    });
    if (gone) removed.push(doc._id);
  }
  return removed;
}

/**
 * Runs sweepBlobs every `intervalMs` (each pass after the previous one ended) until the store closes;
 * the timer never keeps the process alive. Failures are logged and the next pass tries again.
 */
export function startBlobSweep(store: Store, options: SweepOptions & { intervalMs: number; log: (event: Record<string, unknown>) => void }): PeriodicHandle {
  return startPeriodic(store, { name: 'blob sweep', intervalMs: options.intervalMs, log: options.log }, async () => {
    const removed = await sweepBlobs(store, options);
    if (removed.length) options.log({ level: 'info', msg: 'blob sweep removed unreferenced content', count: removed.length });
  });
}
