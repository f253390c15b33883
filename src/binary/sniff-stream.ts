/**
 * Sniffing while streaming: a pass-through that holds back the first SNIFF_BYTES bytes, checks them
 * against the declared media type (binary/sniff.ts) and fails the stream on a mismatch, so the blob
 * store discards the upload before anything is stored.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { fail } from '../fhir/outcome';
import { SNIFF_BYTES, sniffMismatch } from './sniff';

export class SniffStream extends Transform {
  private head: Buffer[] = [];
  private headBytes = 0;
  private checked = false;

  /** `expression` is where a mismatch points (e.g. Binary.contentType). */
  constructor(
    private readonly declared: string,
    private readonly expression: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.checked) return callback(null, chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return callback();
    this.release(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.checked) return callback();
    this.release(callback);
  }

  private release(callback: TransformCallback): void {
    this.checked = true;
    const head = Buffer.concat(this.head);
    this.head = [];
    const mismatch = sniffMismatch(this.declared, head.subarray(0, SNIFF_BYTES));
    if (mismatch) return callback(fail('unprocessable', 'invalid', mismatch, this.expression));
    callback(null, head);
  }
}
