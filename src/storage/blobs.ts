/**
 * The blob port: content-addressed storage of large binary content beside the collections (the
 * content of FHIR Binary resources, R4 binary.html). Content goes in and out as streams and is never
 * held whole in memory. Each engine implements it: files in the data directory (embedded/blobs.ts)
 * and GridFS on MongoDB (mongo/blobs.ts). Identical content is stored once, under its SHA-256.
 */
import type { Readable } from 'node:stream';

/** What the store knows about one stored content. */
export interface BlobInfo {
  /** SHA-256 of the bytes, lowercase hex: the content's address. */
  sha256: string;
  /** SHA-1 of the bytes, base64: what R4 Attachment.hash holds. */
  sha1: string;
  /** Length in bytes. */
  size: number;
}

/** What stat tells about stored content without reading it. */
export type BlobStat = Pick<BlobInfo, 'sha256' | 'size'>;

/** The result of put: the content's facts, and whether this call stored it (false: it was already there). */
export interface PutResult extends BlobInfo {
  created: boolean;
}

/** An inclusive byte range, as an HTTP Range request names one (RFC 9110 §14.1.1). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  /** Most bytes accepted; more makes put reject with BlobTooLargeError and stop reading. */
  maxBytes: number;
}

/** The content was longer than PutOptions.maxBytes; nothing was stored. */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the content is larger than ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

export interface BlobStore {
  /**
   * Streams `content` into the store, computing SHA-256, SHA-1 and size on the way. Resolves once the
   * content is durable; rejects (leaving nothing behind) when `content` fails, is aborted or exceeds
   * `maxBytes`. Content already stored is kept once.
   */
  put(content: Readable, options: PutOptions): Promise<PutResult>;
  /** The bytes of a stored content (or of `range` within it); null when it is not stored. */
  get(sha256: string, range?: ByteRange): Promise<Readable | null>;
  /** Size of a stored content; null when it is not stored. (Its SHA-1 is known to whoever stored it.) */
  stat(sha256: string): Promise<BlobStat | null>;
  /** Removes a stored content; removing what is absent does nothing. */
  remove(sha256: string): Promise<void>;
  /** The SHA-256 of every stored content (for the sweep of unreferenced content). */
  list(): Promise<string[]>;
}

/** A SHA-256 hex digest, as content addresses are written. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
