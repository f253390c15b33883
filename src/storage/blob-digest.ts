/**
 * The hashing pass every blob engine puts content through: counts bytes and computes SHA-256 and
 * SHA-1 while the content streams (on the hashing worker, digest-worker.ts), and fails the stream as
 * soon as it exceeds the size limit.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { BlobTooLargeError, type BlobInfo } from './blobs';
import { WorkerDigest } from './digest-worker';

/** A pass-through stream that hashes and counts what flows through it. */
export class DigestStream extends Transform {
  private readonly digest = new WorkerDigest();
  private size = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return callback(new BlobTooLargeError(this.maxBytes));
    let wait: Promise<void> | undefined;
    try {
      wait = this.digest.update(chunk);
    } catch (err) {
      return callback(err as Error);
    }
    if (wait) wait.then(() => callback(null, chunk), callback);
    else callback(null, chunk);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (err) this.digest.drop();
    callback(err);
  }

  /** The digests and size; call once, after the stream has ended. */
  async info(): Promise<BlobInfo> {
    const { sha256, sha1 } = await this.digest.result();
    return { sha256, sha1, size: this.size };
  }
}
