/**
 * Attachment integrity (R4 datatypes.html#Attachment) for the attachments Relay holds content of:
 * Media.content, DocumentReference.content[].attachment and DiagnosticReport.presentedForm[].
 *
 * - Inline `data` larger than the inline limit is moved into a new Binary: the attachment keeps
 *   `url` Binary/[id], `size` and `hash` (SHA-1, base64) instead (extractInlineData, before the write).
 * - A `size` or `hash` stated beside inline `data` must agree with the data (422 otherwise).
 * - An attachment whose `url` names a Binary of this server gets `size` and `hash` filled in when
 *   absent; when present they must agree with the content (422 otherwise), and the Binary must exist
 *   (verifyLinkedAttachments, inside the write's transaction).
 */
import { createHash } from 'node:crypto';
import type { Attachment, Resource } from '@medplum/fhirtypes';
import { newId } from '../fhir/ids';
import { fail } from '../fhir/outcome';
import type { BlobStore } from '../storage/blobs';
import { storeData, type HeldContent } from './content';

interface Located {
  attachment: Attachment;
  /** FHIRPath of the attachment, e.g. DocumentReference.content[0].attachment. */
  path: string;
}

/** The checked attachments of a resource (none for other types). */
export function attachmentsOf(resource: Resource): Located[] {
  switch (resource.resourceType) {
    case 'Media':
      return resource.content ? [{ attachment: resource.content, path: 'Media.content' }] : [];
    case 'DocumentReference':
      return (resource.content ?? []).flatMap((c, i) => (c.attachment ? [{ attachment: c.attachment, path: `DocumentReference.content[${i}].attachment` }] : []));
    case 'DiagnosticReport':
      return (resource.presentedForm ?? []).map((attachment, i) => ({ attachment, path: `DiagnosticReport.presentedForm[${i}]` }));
    default:
      return [];
  }
}

/** A Binary the write must create, in its own transaction, for extracted inline data. */
export interface PendingBinary {
  id: string;
  contentType: string;
  content: HeldContent;
}

export interface ExtractOptions {
  blobs: BlobStore;
  /** Inline data up to this many bytes (decoded) stays inline. */
  inlineMaxBytes: number;
  maxUploadBytes: number;
}

/**
 * Moves inline data over the limit into blob content; answers the changed resource (a copy; the
 * input is not changed) and the Binaries to create. On failure, content already stored is released.
 */
export async function extractInlineData(resource: Resource, options: ExtractOptions): Promise<{ resource: Resource; pending: PendingBinary[] }> {
  const large = (a: Attachment) => a.data !== undefined && decodedLength(a.data) > options.inlineMaxBytes;
  for (const { attachment, path } of attachmentsOf(resource)) if (!large(attachment)) checkInlineData(attachment, path);
  if (!attachmentsOf(resource).some((l) => large(l.attachment))) return { resource, pending: [] };
  const copy = structuredClone(resource);
  const pending: PendingBinary[] = [];
  try {
    for (const { attachment, path } of attachmentsOf(copy)) {
      if (!large(attachment)) continue;
      const contentType = attachment.contentType ?? 'application/octet-stream';
      const content = await storeData(options.blobs, attachment.data as string, { contentType, maxBytes: options.maxUploadBytes, expression: `${path}.contentType` });
      const id = newId();
      pending.push({ id, contentType, content });
      assertStatedFacts(attachment, path, content, 'the inline data');
      delete attachment.data;
      attachment.url = `Binary/${id}`;
      attachment.size = content.size;
      attachment.hash = content.sha1;
    }
  } catch (err) {
    for (const p of pending) p.content.release();
    throw err;
  }
  return { resource: copy, pending };
}

/** Size and SHA-1 of a current Binary's content; null when there is no such (current) Binary. */
export type BinaryLookup = (id: string) => Promise<{ size: number; sha1: string } | null>;

/**
 * Fills in and checks size and hash of attachments whose url names a Binary of this server
 * (`Binary/[id]` or `[base]/Binary/[id]`). Answers the resource itself when nothing changes, else a copy.
 */
export async function verifyLinkedAttachments(resource: Resource, baseUrl: string, lookup: BinaryLookup): Promise<Resource> {
  const linked = attachmentsOf(resource).filter((l) => binaryIdOf(l.attachment.url, baseUrl) !== undefined);
  if (linked.length === 0) return resource;
  const copy = structuredClone(resource);
  for (const { attachment, path } of attachmentsOf(copy)) {
    const id = binaryIdOf(attachment.url, baseUrl);
    if (id === undefined) continue;
    const content = await lookup(id);
    if (!content) throw fail('unprocessable', 'not-found', `${path}.url names Binary/${id}, which does not exist on this server`, `${path}.url`);
    assertStatedFacts(attachment, path, content, `the content of Binary/${id}`);
    attachment.size = content.size;
    attachment.hash = content.sha1;
  }
  return copy;
}

/** 422 when a small inline attachment states a size or hash that its `data` does not have. */
export function checkInlineData(attachment: Attachment, path: string): void {
  if (typeof attachment.data !== 'string' || (attachment.size === undefined && attachment.hash === undefined)) return;
  const bytes = Buffer.from(attachment.data, 'base64');
  assertStatedFacts(attachment, path, { size: bytes.length, sha1: createHash('sha1').update(bytes).digest('base64') }, 'the inline data');
}

function assertStatedFacts(attachment: Attachment, path: string, actual: { size: number; sha1: string }, what: string): void {
  if (attachment.size !== undefined && attachment.size !== actual.size) {
    throw fail('unprocessable', 'invalid', `${path}.size is ${attachment.size}, but ${what} is ${actual.size} bytes`, `${path}.size`);
  }
  if (attachment.hash !== undefined && attachment.hash !== actual.sha1) {
    throw fail('unprocessable', 'invalid', `${path}.hash is ${attachment.hash}, but the SHA-1 (base64) of ${what} is ${actual.sha1}`, `${path}.hash`);
  }
}

const ID = '[A-Za-z0-9\\-.]{1,64}';

/** The id of the Binary `url` names on this server (relative, or absolute on `baseUrl`), if it names one. */
export function binaryIdOf(url: string | undefined, baseUrl: string): string | undefined {
  if (url === undefined) return undefined;
  const relative = url.startsWith(`${baseUrl}/`) ? url.slice(baseUrl.length + 1) : url;
  return new RegExp(`^Binary/(${ID})$`).exec(relative)?.[1];
}

/** Bytes that base64 text decodes to, without decoding it. */
export function decodedLength(data: string): number {
  let n = 0;
  let pad = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c === 61) pad++;
    else if (c > 32) n++;
  }
  return Math.floor(((n + pad) * 3) / 4) - pad;
}
