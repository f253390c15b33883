/**
 * The MongoDB engine's blob store: GridFS (the driver's GridFSBucket), bucket `blobs`, one file per
 * content whose filename is its SHA-256 (hex). An upload is written under a temporary filename and
 * renamed to its SHA-256 once complete, so a file named by a hash always holds all of its bytes; when
 * that content is already stored, the new copy is deleted instead.
 *
 * With a key file (RELAY_BLOB_KEY_FILE) content is encrypted on its way into GridFS, in the same format as
 * the embedded engine's files (crypto/sealed.ts); without one, or for files stored before encryption
 * existed (no header), the bytes in GridFS are the content itself.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, type Db, type GridFSFile } from 'mongodb';
import { SHA256_HEX, type BlobStat, type BlobStore, type ByteRange, type PutOptions, type PutResult } from '../blobs';
import { DigestStream } from '../blob-digest';
import { startHashingWorker } from '../digest-worker';
import type { KeyRing } from '../crypto/keys';
import { isSealed, masterKey, MAX_HEADER_BYTES, openChunks, openedStream, parseHeader, planRead, plaintextSize, SealStream, type SealedHeader } from '../crypto/sealed';

export const BUCKET = 'blobs';
const TEMP_PREFIX = 'upload-';

/** The blob store on `db`'s GridFS bucket `blobs` (writes acknowledged by a majority). */
export function openGridFsBlobStore(db: Db, keys: KeyRing | null = null): GridFsBlobStore {
  startHashingWorker();
  return new GridFsBlobStore(new GridFSBucket(db, { bucketName: BUCKET, writeConcern: { w: 'majority' } }), keys);
}

export class GridFsBlobStore implements BlobStore {
  constructor(
    private readonly bucket: GridFSBucket,
    private readonly keys: KeyRing | null,
  ) {}

  async put(content: Readable, options: PutOptions): Promise<PutResult> {
    const digest = new DigestStream(options.maxBytes);
    const upload = this.bucket.openUploadStream(`${TEMP_PREFIX}${randomUUID()}`);
    let info: Awaited<ReturnType<DigestStream['info']>>;
    try {
      if (this.keys) await pipeline(content, digest, new SealStream(this.keys), upload);
      else await pipeline(content, digest, upload);
      info = await digest.info();
    } catch (err) {
      // abort() deletes the chunks written so far; after a failure it may already be done.
      await upload.abort().catch(() => undefined);
      await this.bucket.delete(upload.id).catch(() => undefined);
      throw err;
    }
    if (await this.findOne(info.sha256)) {
      await this.bucket.delete(upload.id);
      return { ...info, created: false };
    }
    await this.bucket.rename(upload.id, info.sha256);
    return { ...info, created: true };
  }

  async get(sha256: string, range?: ByteRange): Promise<Readable | null> {
    const file = await this.findOne(sha256);
    if (!file) return null;
    const what = `stored content ${sha256}`;
    const header = await this.header(file._id, file.length, what);
    // GridFS `end` is exclusive; a ByteRange's end is inclusive.
    if (!header) return this.bucket.openDownloadStream(file._id, range ? { start: range.start, end: range.end + 1 } : {});
    const master = masterKey(this.keys, header, what);
    const plan = planRead(header, file.length, plaintextSize(header, file.length, what), range);
    if (plan.count === 0) return Readable.from([]);
    const sealed = this.bucket.openDownloadStream(file._id, { start: plan.from, end: plan.to + 1 });
    return openedStream(openChunks(sealed, header, master, plan, what));
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    const file = await this.findOne(sha256);
    if (!file) return null;
    const what = `stored content ${sha256}`;
    const header = await this.header(file._id, file.length, what);
    return { sha256, size: header ? plaintextSize(header, file.length, what) : file.length };
  }

  /** The header of a stored file; null when it has none (stored unencrypted). */
  private async header(id: GridFSFile['_id'], length: number, what: string): Promise<SealedHeader | null> {
    if (length === 0) return null;
    const parts: Buffer[] = [];
    for await (const part of this.bucket.openDownloadStream(id, { start: 0, end: Math.min(length, MAX_HEADER_BYTES) })) parts.push(part as Buffer);
    const head = Buffer.concat(parts);
    return isSealed(head) ? parseHeader(head, what) : null;
  }

  async remove(sha256: string): Promise<void> {
    if (!SHA256_HEX.test(sha256)) return;
    // Two identical uploads finishing together may both have been renamed: remove every copy.
    for (const file of await this.bucket.find({ filename: sha256 }).toArray()) await this.bucket.delete(file._id);
  }

  async list(): Promise<string[]> {
    const names = await this.bucket.find({}, { projection: { filename: 1 } }).toArray();
    return [...new Set(names.map((f) => f.filename).filter((n) => SHA256_HEX.test(n)))].sort();
  }

  private async findOne(sha256: string) {
    if (!SHA256_HEX.test(sha256)) return null;
    return (await this.bucket.find({ filename: sha256 }, { sort: { uploadDate: 1 }, limit: 1 }).toArray())[0] ?? null;
  }
}
