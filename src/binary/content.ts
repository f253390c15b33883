/**
 * Storing Binary content: streams it through sniffing (binary/sniff-stream.ts) into the blob store,
 * maps the store's failures to OperationOutcomes (413 too large, 400 aborted), and holds the stored
 * content against the sweep until the write that references it has finished (binary/leases.ts).
 */
import { Readable, finished } from 'node:stream';
import { fail, invalid, OperationOutcomeError } from '../fhir/outcome';
import { BlobTooLargeError, type BlobStore, type PutResult } from '../storage/blobs';
import { leasesOf } from './leases';
import { SniffStream } from './sniff-stream';

/** Stored content, held until release() (call it once the write referencing it has ended, either way). */
export interface HeldContent extends PutResult {
  release(): void;
}

export interface ContentOptions {
  /** Declared media type (Binary.contentType, Attachment.contentType), checked against the bytes. */
  contentType: string;
  /** Largest content accepted (RELAY_MAX_UPLOAD). */
  maxBytes: number;
  /** Where a sniffing mismatch points. */
  expression: string;
}

/** Streams `source` into `blobs`; rejects with an OperationOutcomeError when it is refused or aborted (nothing is then stored). */
export async function storeContent(blobs: BlobStore, source: Readable, options: ContentOptions): Promise<HeldContent> {
  const sniffed = new SniffStream(options.contentType, options.expression);
  // pipe, not pipeline: a refused upload must not destroy the source (an HTTP request whose socket
  // still has to carry the 413); it is only unpiped and paused.
  const stopWatching = finished(source, { writable: false }, (err) => {
    if (err) sniffed.destroy(err);
  });
  // Its failures reach put() through put's own pipeline; this listener only keeps pipe() from rethrowing them.
  sniffed.on('error', () => undefined);
  source.pipe(sniffed);
  let stored: PutResult;
  try {
    stored = await blobs.put(sniffed, { maxBytes: options.maxBytes });
  } catch (err) {
    source.unpipe(sniffed);
    source.pause();
    throw asOutcome(err, options.maxBytes);
  } finally {
    stopWatching();
  }
  const leases = leasesOf(blobs);
  const release = await leases.turn(stored.sha256, async () => {
    // The sweep may have removed identical content between put finding it and this hold.
    if (!(await blobs.stat(stored.sha256))) throw fail('unavailable', 'transient', 'the content was removed by the storage sweep while it was uploaded; send it again');
    return leases.hold(stored.sha256);
  });
  return { ...stored, release };
}

/** Stores decoded base64 `data` (a JSON Binary's or an inline Attachment's) like an upload. */
export function storeData(blobs: BlobStore, data: string, options: ContentOptions): Promise<HeldContent> {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > options.maxBytes) throw tooLarge(options.maxBytes);
  return storeContent(blobs, Readable.from([bytes]), options);
}

function tooLarge(maxBytes: number): OperationOutcomeError {
  return fail('too-large', 'too-costly', `the content is larger than the limit of ${maxBytes} bytes (RELAY_MAX_UPLOAD)`);
}

const ABORTED = new Set(['ECONNRESET', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'EPIPE']);

function asOutcome(err: unknown, maxBytes: number): unknown {
  if (err instanceof OperationOutcomeError) return err;
  if (err instanceof BlobTooLargeError) return tooLarge(maxBytes);
  const e = err as NodeJS.ErrnoException | null;
  if (e && (ABORTED.has(e.code ?? '') || e.message === 'aborted')) return invalid('the upload ended before its content was complete (the client aborted it); nothing was stored');
  return err;
}
