/**
 * Blob content encrypted at rest: streaming AES-256-GCM in fixed-size chunks, after the STREAM
 * construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015), shared by every blob engine.
 *
 * A sealed blob is a header followed by the chunks:
 *
 *   offset  bytes  field
 *   0       8      magic 89 52 4C 59 42 4C 42 0A ("\x89RLYBLB\n")
 *   8       1      format version (1)
 *   9       1      key id length k (1..64)
 *   10      k      key id (ASCII; the id in the key file, keys.ts)
 *   10+k    4      plaintext bytes per chunk C (uint32 big-endian; 65536 when written by Relay)
 *   14+k    12     random base nonce N (per blob)
 *   26+k           chunk 0, chunk 1, ..., chunk n-1: each the ciphertext of C plaintext bytes (the last
 *                  one: 0..C bytes) followed by its 16-byte GCM tag
 *
 * Chunk i is sealed under the blob key K = HKDF-SHA256(master key, salt N, info "relay blob v1") with
 * nonce N XOR i (i as uint32 big-endian in the last four bytes) and additional data = the header bytes
 * followed by one byte, 1 on the last chunk and 0 on every other. So every chunk is authenticated, chunks
 * cannot be reordered (the index is in the nonce), cut off (the last chunk present would not be marked
 * last) or moved to another blob (the header and its random nonce are in every chunk's tag), and the header
 * cannot be altered. Content of n·C bytes has n chunks (the last one full); empty content has one empty
 * chunk, so every blob carries at least one tag. The plaintext size follows from the file size, and a
 * byte range of the plaintext needs only the chunks it overlaps.
 *
 * Content addressing does not change: SHA-256 and SHA-1 are of the plaintext. Files without the magic are
 * content stored before encryption existed and are read as they are.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { ByteRange } from '../blobs';
import { BlobKeyError, KEY_ID, type KeyRing } from './keys';

export const MAGIC = Buffer.from([0x89, 0x52, 0x4c, 0x59, 0x42, 0x4c, 0x42, 0x0a]);
export const VERSION = 1;
/** Plaintext bytes per chunk written by Relay. */
export const CHUNK_BYTES = 64 * 1024;
const TAG = 16;
const NONCE = 12;
/** Longest header: enough bytes to read to parse any header. */
export const MAX_HEADER_BYTES = 8 + 1 + 1 + 64 + 4 + NONCE;
const INFO = Buffer.from('relay blob v1');
const MAX_CHUNKS = 2 ** 32;

/** Stored content failed its integrity check: a modified, truncated or malformed sealed blob. */
export class BlobIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobIntegrityError';
  }
}

/** A parsed header. */
export interface SealedHeader {
  keyId: string;
  chunkSize: number;
  nonce: Buffer;
  /** The header's bytes (the additional data of every chunk). */
  bytes: Buffer;
}

/** Whether `head` (the first bytes of a stored file) starts like a sealed blob. */
export function isSealed(head: Buffer): boolean {
  return head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Parses the header at the start of `head` (a sealed blob's first bytes, at least MAX_HEADER_BYTES of them when it is that long). */
export function parseHeader(head: Buffer, what: string): SealedHeader {
  const bad = (why: string) => new BlobIntegrityError(`${what}: the encrypted content's header is malformed (${why})`);
  if (!isSealed(head)) throw bad('no magic');
  if (head.length < 10) throw bad('too short');
  if (head[8] !== VERSION) throw bad(`unknown format version ${head[8]}`);
  const k = head[9];
  const length = 10 + k + 4 + NONCE;
  if (k < 1 || k > 64 || head.length < length) throw bad('bad key id length');
  const keyId = head.toString('latin1', 10, 10 + k);
  if (!KEY_ID.test(keyId)) throw bad('bad key id');
  const chunkSize = head.readUInt32BE(10 + k);
  if (chunkSize < 1 || chunkSize > 1 << 24) throw bad(`bad chunk size ${chunkSize}`);
  return { keyId, chunkSize, nonce: Buffer.from(head.subarray(14 + k, length)), bytes: Buffer.from(head.subarray(0, length)) };
}

function encodeHeader(keyId: string, chunkSize: number, nonce: Buffer): Buffer {
  const id = Buffer.from(keyId, 'latin1');
  const header = Buffer.alloc(10 + id.length + 4 + NONCE);
  MAGIC.copy(header, 0);
  header[8] = VERSION;
  header[9] = id.length;
  id.copy(header, 10);
  header.writeUInt32BE(chunkSize, 10 + id.length);
  nonce.copy(header, 14 + id.length);
  return header;
}

function blobKey(master: Buffer, nonce: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', master, nonce, INFO, 32));
}

function chunkNonce(base: Buffer, index: number): Buffer {
  const nonce = Buffer.from(base);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ index) >>> 0, 8);
  return nonce;
}

function aad(header: Buffer, last: boolean): Buffer {
  return Buffer.concat([header, Buffer.from([last ? 1 : 0])]);
}

/** Plaintext size of a sealed blob of `storedBytes` bytes; throws BlobIntegrityError when no chunk layout gives that size (a truncated file). */
export function plaintextSize(header: SealedHeader, storedBytes: number, what: string): number {
  const body = storedBytes - header.bytes.length;
  const sealed = header.chunkSize + TAG;
  const chunks = Math.ceil(body / sealed);
  const last = body - (chunks - 1) * sealed;
  if (body < TAG || last < TAG) throw new BlobIntegrityError(`${what}: the encrypted content is truncated (${storedBytes} bytes stored)`);
  return body - chunks * TAG;
}

/**
 * A transform from plaintext to a sealed blob (header, then chunks), encrypting with the key ring's
 * current key. Holds at most one chunk of plaintext.
 */
export class SealStream extends Transform {
  private readonly header: Buffer;
  private readonly key: Buffer;
  private readonly nonce: Buffer;
  private readonly chunkSize: number;
  private readonly buffer: Buffer;
  private readonly aad: [Buffer, Buffer];
  private fill = 0;
  private index = 0;
  private started = false;

  constructor(keys: KeyRing, chunkSize = CHUNK_BYTES) {
    super({ readableHighWaterMark: 1 << 20 });
    this.chunkSize = chunkSize;
    this.nonce = randomBytes(NONCE);
    this.header = encodeHeader(keys.current, chunkSize, this.nonce);
    this.key = blobKey(keys.key(keys.current), this.nonce);
    this.buffer = Buffer.allocUnsafe(chunkSize);
    this.aad = [aad(this.header, false), aad(this.header, true)];
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.start();
      let offset = 0;
      while (offset < data.length) {
        // A full chunk is sealed only once more bytes arrive: until then it may be the last one.
        if (this.fill === this.chunkSize) this.seal(false);
        if (this.fill === 0 && data.length - offset > this.chunkSize) {
          // A whole chunk with bytes after it: sealed straight from the input, without a copy.
          this.seal(false, data.subarray(offset, offset + this.chunkSize));
          offset += this.chunkSize;
          continue;
        }
        const n = Math.min(this.chunkSize - this.fill, data.length - offset);
        data.copy(this.buffer, this.fill, offset, offset + n);
        this.fill += n;
        offset += n;
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.start();
      this.seal(true);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.push(this.header);
  }

  /** Seals `plain` (by default the buffered bytes, which it then empties) as the next chunk. */
  private seal(last: boolean, plain = this.buffer.subarray(0, this.fill)): void {
    if (this.index >= MAX_CHUNKS) throw new Error('the content is too large to encrypt (more than 2^32 chunks)');
    const cipher = createCipheriv('aes-256-gcm', this.key, chunkNonce(this.nonce, this.index), { authTagLength: TAG });
    cipher.setAAD(this.aad[last ? 1 : 0]);
    const out = cipher.update(plain);
    const final = cipher.final();
    if (out.length > 0) this.push(out);
    if (final.length > 0) this.push(final);
    this.push(cipher.getAuthTag());
    this.index++;
    this.fill = 0;
  }
}

/** What to read from a sealed blob to get a plaintext range: the stored bytes [from, to] hold chunks first..first+count-1. */
export interface ReadPlan {
  from: number;
  to: number;
  first: number;
  count: number;
  /** Index of the blob's last chunk. */
  lastChunk: number;
  /** Plaintext bytes to drop from the start of the first chunk read. */
  skip: number;
  /** Plaintext bytes to deliver. */
  take: number;
}

/** The stored bytes and chunks a read of `range` (or everything) needs. */
export function planRead(header: SealedHeader, storedBytes: number, size: number, range: ByteRange | undefined): ReadPlan {
  const c = header.chunkSize;
  const sealed = c + TAG;
  // From the stored length, not the size: a chunk appended after the last one makes that one fail (it is not marked last).
  const lastChunk = Math.max(0, Math.ceil((storedBytes - header.bytes.length) / sealed) - 1);
  const start = range ? range.start : 0;
  const end = range ? Math.min(range.end, size - 1) : size - 1;
  if (end < start) {
    // Empty content, or an empty range: everything read is still the last (empty) chunk when the content is empty.
    if (size === 0) return { from: header.bytes.length, to: storedBytes - 1, first: 0, count: 1, lastChunk: 0, skip: 0, take: 0 };
    return { from: 0, to: -1, first: 0, count: 0, lastChunk, skip: 0, take: 0 };
  }
  const first = Math.floor(start / c);
  // A read to the end goes through the last stored chunk, even one holding no plaintext, so a cut-off file fails it.
  const lastRead = end === size - 1 ? lastChunk : Math.floor(end / c);
  const from = header.bytes.length + first * sealed;
  const to = Math.min(storedBytes - 1, header.bytes.length + (lastRead + 1) * sealed - 1);
  return { from, to, first, count: lastRead - first + 1, lastChunk, skip: start - first * c, take: end - start + 1 };
}

/**
 * Decrypts the chunks `plan` names from `sealed` (the stored bytes plan.from..plan.to, in order) and
 * yields the plaintext of the range. Throws BlobIntegrityError on the first chunk that fails its tag
 * (modified bytes) or is short (a truncated file).
 */
export async function* openChunks(sealed: AsyncIterable<Buffer>, header: SealedHeader, master: Buffer, plan: ReadPlan, what: string): AsyncGenerator<Buffer> {
  if (plan.count === 0) return;
  const key = blobKey(master, header.nonce);
  const full = header.chunkSize + TAG;
  const aads = [aad(header.bytes, false), aad(header.bytes, true)];
  const stored = plan.to - plan.from + 1;
  let index = plan.first;
  let consumed = 0;
  let skip = plan.skip;
  let left = plan.take;
  let parts: Buffer[] = [];
  let have = 0;
  const open = (chunk: Buffer): Buffer => {
    const last = index === plan.lastChunk;
    if (chunk.length < TAG) throw new BlobIntegrityError(`${what}: the encrypted content is truncated at chunk ${index}`);
    const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(header.nonce, index), { authTagLength: TAG });
    decipher.setAAD(aads[last ? 1 : 0]);
    decipher.setAuthTag(chunk.subarray(chunk.length - TAG));
    const out = decipher.update(chunk.subarray(0, chunk.length - TAG));
    try {
      decipher.final();
    } catch {
      throw new BlobIntegrityError(`${what}: chunk ${index} of the encrypted content failed authentication (the stored bytes were modified or truncated)`);
    }
    index++;
    return out;
  };
  const deliver = (plain: Buffer): Buffer | undefined => {
    let out = plain;
    if (skip > 0) {
      out = out.subarray(Math.min(skip, out.length));
      skip -= plain.length - out.length;
    }
    if (out.length > left) out = out.subarray(0, left);
    left -= out.length;
    return out.length > 0 ? out : undefined;
  };
  for await (const data of sealed) {
    parts.push(data);
    have += data.length;
    while (index < plan.first + plan.count) {
      const need = Math.min(full, stored - consumed);
      if (have < need) break;
      let chunk: Buffer;
      if (parts[0].length >= need) {
        chunk = parts[0].subarray(0, need);
        parts[0] = parts[0].subarray(need);
        if (parts[0].length === 0) parts.shift();
      } else {
        const joined = Buffer.concat(parts, have);
        chunk = joined.subarray(0, need);
        parts = need < joined.length ? [joined.subarray(need)] : [];
      }
      have -= need;
      consumed += need;
      const out = deliver(open(chunk));
      if (out) yield out;
    }
  }
  if (index < plan.first + plan.count) {
    if (have > 0) open(Buffer.concat(parts, have));
    throw new BlobIntegrityError(`${what}: the encrypted content is truncated at chunk ${index}`);
  }
}

/**
 * A readable of the plaintext `openChunks` yields, whose first chunk has already been decrypted: a blob
 * that fails at its first chunk (or a missing key) fails here, before any response is under way.
 */
export async function openedStream(chunks: AsyncGenerator<Buffer>): Promise<Readable> {
  const first = await chunks.next();
  async function* all(): AsyncGenerator<Buffer> {
    if (first.done) return;
    yield first.value;
    yield* chunks;
  }
  return Readable.from(all(), { objectMode: false, highWaterMark: 1 << 20 });
}

/** The master key a sealed blob names; throws BlobKeyError when there is no key ring or it lacks that key. */
export function masterKey(keys: KeyRing | null, header: SealedHeader, what: string): Buffer {
  if (!keys) throw new BlobKeyError(`${what} is encrypted (key id "${header.keyId}") but no blob key file is configured; set RELAY_BLOB_KEY_FILE`);
  return keys.key(header.keyId);
}
