/**
 * Binary test content and plumbing shared by the Binary/Media tests and bench/binary.ts: seeded content of
 * any size that can be streamed (never held whole) and sliced at any offset, magic-byte samples for the
 * sniffing cases, raw uploads and downloads over node:http with a SHA-256 computed on the fly, and a
 * look at the embedded engine's blob directory (`<dataDir>/blobs`, layout fixed by the issue 6 contract).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { mulberry32 } from './prng';

const CHUNK = 64 * 1024;
const POOL = 4 * 1024 * 1024;

/** A 32-bit integer hash (murmur3's finaliser), so chunk i's place in the pool needs no sequential state. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Deterministic pseudo-random content of `size` bytes: 64 KiB chunks, each a slice of a 4 MiB seeded pool at
 * an offset derived from (seed, chunk index), with `header` written over the first bytes. Streaming it costs
 * no PRNG work per byte (chunks are views of the pool), and any byte range can be computed without
 * generating what comes before it.
 */
export class SeededContent {
  private readonly pool: Buffer;

  constructor(
    readonly seed: number,
    readonly size: number,
    private readonly header: Buffer = Buffer.alloc(0),
  ) {
    const random = mulberry32(seed);
    const words = new Uint32Array(POOL / 4);
    for (let i = 0; i < words.length; i++) words[i] = Math.floor(random() * 0x1_0000_0000);
    this.pool = Buffer.from(words.buffer);
  }

  /** Chunk `i` (CHUNK bytes, shorter at the end), as a view when no header byte falls into it. */
  private chunk(i: number): Buffer {
    const start = i * CHUNK;
    const length = Math.min(CHUNK, this.size - start);
    const offset = mix32((this.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0) % (POOL - CHUNK);
    const view = this.pool.subarray(offset, offset + length);
    if (start >= this.header.length) return view;
    const copy = Buffer.from(view);
    this.header.copy(copy, 0, start, Math.min(this.header.length, start + length));
    return copy;
  }

  /** Bytes [start, end) of the content. */
  slice(start: number, end: number): Buffer {
    if (start < 0 || end > this.size || start > end) throw new RangeError(`slice ${start}-${end} of ${this.size}`);
    const out = Buffer.alloc(end - start);
    let written = 0;
    for (let i = Math.floor(start / CHUNK); written < out.length; i++) {
      const chunk = this.chunk(i);
      const from = Math.max(0, start - i * CHUNK);
      written += chunk.copy(out, written, from, Math.min(chunk.length, from + out.length - written));
    }
    return out;
  }

  /** The whole content as a byte stream (backpressure-aware: a chunk is produced only when asked for). */
  stream(): Readable {
    let i = 0;
    const chunks = Math.ceil(this.size / CHUNK);
    const stream: Readable = new Readable({
      highWaterMark: 4 * CHUNK,
      read: () => {
        stream.push(i < chunks ? this.chunk(i++) : null);
      },
    });
    return stream;
  }

  /** SHA-256 (hex) of the whole content, computed chunk by chunk. */
  sha256(): string {
    const hash = createHash('sha256');
    const chunks = Math.ceil(this.size / CHUNK);
    for (let i = 0; i < chunks; i++) hash.update(this.chunk(i));
    return hash.digest('hex');
  }
}

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
/** FHIR R4 Attachment.hash: the SHA-1 of the data, base64. */
export const sha1Base64 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('base64');

/** `n` seeded pseudo-random bytes. */
export function seededBytes(seed: number, n: number): Buffer {
  const random = mulberry32(seed);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** `head` followed by seeded filler up to `total` bytes (a plausible file of that kind, for sniffing). */
function file(head: Buffer, total: number, seed: number): Buffer {
  return Buffer.concat([head, seededBytes(seed, Math.max(0, total - head.length))]);
}

const ascii = (s: string) => Buffer.from(s, 'latin1');
const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** An ISO BMFF `ftyp` box (size, "ftyp", major brand, minor version, compatible brands): what MP4 and MOV files start with. */
export function ftypBox(major: string, compatible: string[]): Buffer {
  const body = Buffer.concat([ascii(major), u32be(0x200), ...compatible.map(ascii)]);
  return Buffer.concat([u32be(8 + body.length), ascii('ftyp'), body]);
}

/** The first bytes of a valid MP4: an ftyp box followed by the header of an mdat box. */
export const MP4_HEADER = Buffer.concat([ftypBox('isom', ['isom', 'iso2', 'avc1', 'mp41']), u32be(0), ascii('mdat')]);

export interface Sample {
  /** What the test calls it, e.g. "TIFF (little-endian)". */
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** One valid-looking file per sniffed kind of the contract (about 2 KiB each, seeded filler after the signature). */
export function magicSamples(): Sample[] {
  const wavHeader = Buffer.concat([ascii('RIFF'), Buffer.from([0xf8, 0x07, 0, 0]), ascii('WAVEfmt '), Buffer.from([16, 0, 0, 0, 1, 0, 1, 0, 0x44, 0xac, 0, 0, 0x88, 0x58, 1, 0, 2, 0, 16, 0]), ascii('data')]);
  const samples: [string, string, Buffer][] = [
    ['JPEG', 'image/jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), ascii('JFIF\0'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])])],
    ['PNG', 'image/png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), u32be(13), ascii('IHDR'), u32be(64), u32be(48), Buffer.from([8, 2, 0, 0, 0])])],
    ['TIFF (little-endian)', 'image/tiff', Buffer.concat([ascii('II'), Buffer.from([0x2a, 0x00, 0x08, 0x00, 0x00, 0x00])])],
    ['TIFF (big-endian)', 'image/tiff', Buffer.concat([ascii('MM'), Buffer.from([0x00, 0x2a, 0x00, 0x00, 0x00, 0x08])])],
    ['DICOM', 'application/dicom', Buffer.concat([Buffer.alloc(128), ascii('DICM'), Buffer.from([0x02, 0x00, 0x00, 0x00]), ascii('UL'), Buffer.from([4, 0, 0xc4, 0, 0, 0])])],
    ['MP4', 'video/mp4', MP4_HEADER],
    ['MOV', 'video/quicktime', Buffer.concat([ftypBox('qt  ', ['qt  ']), u32be(8), ascii('wide')])],
    ['WebM', 'video/webm', Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0x82, 0x84]), ascii('webm')])],
    ['PDF', 'application/pdf', ascii('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n')],
    ['WAV (audio/wav)', 'audio/wav', wavHeader],
    ['WAV (audio/x-wav)', 'audio/x-wav', wavHeader],
    ['WAV (audio/vnd.wave)', 'audio/vnd.wave', wavHeader],
    ['MP3 with an ID3 tag', 'audio/mpeg', Buffer.concat([ascii('ID3'), Buffer.from([0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a]), ascii('TIT2'), Buffer.from([0, 0, 0, 4, 0, 0, 3]), ascii('abc')])],
    ['MP3 starting with a frame sync', 'audio/mpeg', Buffer.from([0xff, 0xfb, 0x90, 0x64, 0x00, 0x00, 0x00, 0x00])],
  ];
  return samples.map(([name, contentType, head], i) => ({ name, contentType, bytes: file(head, 2048, 9_000 + i) }));
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  json?: Record<string, unknown> & { resourceType?: string; id?: string };
}

function answer(res: http.IncomingMessage, body: Buffer): Answer {
  const type = String(res.headers['content-type'] ?? '');
  let json: Answer['json'];
  if (/json/.test(type) && body.length) json = JSON.parse(body.toString('utf8')) as Answer['json'];
  return { status: res.statusCode ?? 0, headers: res.headers, body, json };
}

/**
 * Sends `body` (a Buffer, or a stream of `contentLength` bytes) to `origin + path` over node:http and
 * collects the whole answer. With a stream and no `contentLength` the body goes chunked.
 */
export function send(origin: string, method: string, urlPath: string, body: Buffer | Readable | undefined, headers: Record<string, string> = {}, contentLength?: number): Promise<Answer> {
  const length = Buffer.isBuffer(body) ? body.length : contentLength;
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}${urlPath}`, { method, headers: { ...(length === undefined ? {} : { 'content-length': String(length) }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => resolve(answer(res, Buffer.concat(chunks))));
    });
    req.once('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** POSTs raw bytes to /fhir/Binary with `contentType`. */
export const postBinary = (origin: string, contentType: string, body: Buffer | SeededContent): Promise<Answer> =>
  Buffer.isBuffer(body) ? send(origin, 'POST', '/fhir/Binary', body, { 'content-type': contentType }) : send(origin, 'POST', '/fhir/Binary', body.stream(), { 'content-type': contentType }, body.size);

/** GETs `urlPath`; the body is collected (use downloadDigest for large ones). */
export const get = (origin: string, urlPath: string, headers: Record<string, string> = {}): Promise<Answer> => send(origin, 'GET', urlPath, undefined, headers);

export interface Digest {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  /** The first bytes of the body (for error messages when it is not what was expected). */
  head: string;
}

/** GETs `urlPath` and hashes the body as it arrives, never holding it whole. */
export function downloadDigest(origin: string, urlPath: string, headers: Record<string, string> = {}): Promise<Digest> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}${urlPath}`, { headers }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let head = '';
      res.on('data', (c: Buffer) => {
        if (bytes < 300) head += c.subarray(0, 300 - bytes).toString('latin1');
        bytes += c.length;
        hash.update(c);
      });
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, sha256: hash.digest('hex'), head }));
    });
    req.once('error', reject);
  });
}

/** Stored content files under `<dataDir>/blobs` (not tmp/), as paths relative to blobs/, sorted. */
export async function blobFiles(dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, 'blobs');
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (full !== path.join(root, 'tmp')) await walk(full);
      } else out.push(path.relative(root, full));
    }
  };
  await walk(root);
  return out.sort();
}

/** Files in `<dataDir>/blobs/tmp` (uploads in progress); [] when the directory does not exist. */
export async function tmpFiles(dataDir: string): Promise<string[]> {
  try {
    return (await fs.readdir(path.join(dataDir, 'blobs', 'tmp'))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Where the contract puts the content file of bytes with this SHA-256 (relative to blobs/). */
export const blobPath = (sha256: string): string => path.join(sha256.slice(0, 2), sha256);

/** Polls `check` every 25 ms until it returns true; throws with `what` (and the last value of `describe`) after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000, describe?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** How many current (not deleted) resources of `type` the server holds (`_summary=count`). */
export async function countOf(origin: string, type: string): Promise<number> {
  const res = await get(origin, `/fhir/${type}?_summary=count`, { accept: 'application/fhir+json' });
  if (res.status !== 200 || typeof res.json?.total !== 'number') throw new Error(`count of ${type}: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  return res.json.total;
}
