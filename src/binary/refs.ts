/**
 * Which stored content is still needed: one `_blobs` document per content (by SHA-256) counting the
 * current Binary versions that reference it, and since when none does. The repository updates it in
 * the same transaction as the Binary write; the sweep (binary/sweep.ts) removes content that has
 * been unreferenced for longer than the retention. The collection name starts with "_" so it can
 * never be a resource type.
 */
import type { Collections, Doc } from '../storage/port';
import type { BlobInfo } from '../storage/blobs';

export const BLOBS_COLLECTION = '_blobs';

/** The content facts a Binary version's stored document keeps beside the resource. */
export type BlobRef = BlobInfo;

export interface BlobDoc extends Doc {
  size: number;
  sha1: string;
  /** Current Binary versions whose content this is. */
  refs: number;
  /** Epoch ms since when `refs` has been 0 (null while referenced). */
  unreferencedSince: number | null;
}

/** Records that a Binary's current content changed from `before` to `after` (either may be absent). */
export async function moveBlobRef(db: Collections, before: BlobRef | undefined, after: BlobRef | undefined, now: Date): Promise<void> {
  if (before?.sha256 === after?.sha256) return;
  if (after) await addRefs(db, after, 1, now);
  if (before) await addRefs(db, before, -1, now);
}

/**
 * Records content that was stored but that no Binary references (a write that failed after its
 * upload): the sweep then removes it once the retention has passed. Changes nothing for known content.
 */
export async function noteUnreferenced(db: Collections, info: BlobInfo, now: Date): Promise<void> {
  const blobs = db.collection<BlobDoc>(BLOBS_COLLECTION);
  if (await blobs.findOne({ _id: info.sha256 })) return;
  await blobs.replaceOne({ _id: info.sha256 }, blobDoc(info, 0, now), { upsert: true });
}

async function addRefs(db: Collections, info: BlobRef, delta: number, now: Date): Promise<void> {
  const blobs = db.collection<BlobDoc>(BLOBS_COLLECTION);
  const current = await blobs.findOne({ _id: info.sha256 });
  const refs = Math.max(0, (current?.refs ?? 0) + delta);
  await blobs.replaceOne({ _id: info.sha256 }, blobDoc(info, refs, now, current), { upsert: true });
}

function blobDoc(info: BlobInfo, refs: number, now: Date, current?: BlobDoc | null): BlobDoc {
  const since = refs > 0 ? null : (current?.refs === 0 && current.unreferencedSince !== null ? current.unreferencedSince : now.getTime());
  return { _id: info.sha256, size: info.size, sha1: info.sha1, refs, unreferencedSince: since };
}
