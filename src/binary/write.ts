/**
 * The repository's hook for content on every write path (create, update, conditional, batch and
 * transaction entries all reach Repository.create/update): before the write, a Binary's base64 data
 * goes to the blob store and large inline Attachment data is extracted (binary/attachments.ts);
 * inside the write's transaction, the extracted Binaries are created and linked attachments checked.
 */
import type { Binary, Resource } from '@medplum/fhirtypes';
import type { BlobStore } from '../storage/blobs';
import { extractInlineData, type PendingBinary } from './attachments';
import { storeData, type HeldContent } from './content';
import type { BlobRef } from './refs';

/** What the repository needs to handle content; without it, resources are stored as sent. */
export interface BinaryDeps {
  blobs: BlobStore;
  /** RELAY_MAX_UPLOAD. */
  maxUploadBytes: number;
  /** RELAY_ATTACHMENT_INLINE_MAX. */
  attachmentInlineMaxBytes: number;
}

/** A resource ready to be written: without Binary data, with the content it refers to held. */
export interface PreparedWrite {
  resource: Resource;
  /** A Binary's content (absent: a Binary without content, or another type). */
  blob?: BlobRef;
  /** Binaries to create in the same transaction, for extracted attachment data. */
  pending: PendingBinary[];
  /** Releases held content; call once the write has ended, either way. */
  release(): void;
}

/** Stores the content `resource` carries (or uses `content`, a raw upload already stored) and holds it. */
export async function prepareWrite(resource: Resource, deps: BinaryDeps | undefined, content?: HeldContent): Promise<PreparedWrite> {
  if (resource.resourceType === 'Binary') {
    const { data, ...rest } = resource;
    let held = content;
    if (!held && deps && data !== undefined) {
      held = await storeData(deps.blobs, data, { contentType: resource.contentType, maxBytes: deps.maxUploadBytes, expression: 'Binary.contentType' });
    }
    if (!held) return { resource, pending: [], release: () => undefined };
    return { resource: rest as Binary, blob: blobRef(held), pending: [], release: held.release };
  }
  if (!deps) return { resource, pending: [], release: () => undefined };
  const extracted = await extractInlineData(resource, { blobs: deps.blobs, inlineMaxBytes: deps.attachmentInlineMaxBytes, maxUploadBytes: deps.maxUploadBytes });
  return { ...extracted, release: () => extracted.pending.forEach((p) => p.content.release()) };
}

/** The facts a stored document keeps about content: SHA-256, SHA-1 and size, nothing else. */
export function blobRef(info: BlobRef): BlobRef {
  return { sha256: info.sha256, sha1: info.sha1, size: info.size };
}
