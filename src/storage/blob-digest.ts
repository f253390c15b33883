/**
 * The hashing pass every blob engine puts content through: counts bytes and computes SHA-256 and
 * SHA-1 while the content streams, and fails the stream as soon as it exceeds the size limit.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BlobTooLargeError, type BlobInfo } from './blobs';

/** A pass-through stream that hashes and counts what flows through it. */
export class DigestStream extends Transform {
  private readonly sha256: Hash = createHash('sha256');
  private readonly sha1: Hash = createHash('sha1');
  private size = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return callback(new BlobTooLargeError(this.maxBytes));
    this.sha256.update(chunk);
    this.sha1.update(chunk);
    callback(null, chunk);
  }

  /** The digests and size; call once, after the stream has ended. */
  info(): BlobInfo {
    return { sha256: this.sha256.digest('hex'), sha1: this.sha1.digest('base64'), size: this.size };
  }
}
