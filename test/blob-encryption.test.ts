/**
 * Blob content encrypted at rest (src/storage/crypto): on the embedded engine, through the blob store
 * port and over HTTP. Files on disk hold no plaintext; reads are byte-identical (whole, ranges across
 * chunk boundaries, empty content, exact multiples of the chunk size); modified or truncated files fail
 * loudly; keys rotate; a missing key is named; content stored before encryption stays readable.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { openStore } from '../src/storage/open';
import type { Store } from '../src/storage/port';
import { BlobKeyError, DEFAULT_KEY_FILE, parseKeyFile, readKeyFile } from '../src/storage/crypto/keys';
import { BlobIntegrityError, CHUNK_BYTES, MAGIC, parseHeader } from '../src/storage/crypto/sealed';
import { runBlobKeyCommand } from '../src/storage/crypto/cli';
import { startTestApp, type TestApp } from './helpers/test-app';
import { get, send } from './helpers/binary-files';

const C = CHUNK_BYTES;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Content without long repeats, so that any 64 bytes of it are distinctive. */
function content(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += 32) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest();
    block.copy(out, i, 0, Math.min(32, n - i));
  }
  return out;
}
const key32 = (fill: number) => Buffer.alloc(32, fill).toString('base64');

async function readAll(stream: Readable | null): Promise<Buffer> {
  if (!stream) throw new Error('no stream');
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Every file under `dir`, recursively. */
async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else out.push(p);
  }
  return out;
}

describe('blob encryption at rest (embedded engine)', () => {
  let dir: string;
  let store: Store;
  const open = (blobKeyFile?: string) => openStore({ dataDir: dir, journalCompactBytes: 1 << 20, blobKeyFile });
  const fileOf = (key: string) => path.join(dir, 'blobs', key.slice(0, 2), key);
  const put = async (b: Buffer) => (await store.blobs.put(Readable.from([b]), { maxBytes: 1 << 30 })).sha256;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-blob-enc-'));
  });
  afterEach(async () => {
    await store?.close().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates a 0600 key file in the data directory and keeps no plaintext anywhere under it', async () => {
    store = await open();
    const keyFile = path.join(dir, DEFAULT_KEY_FILE);
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    const data = content(3 * C + 1000, 7);
    const marker = data.subarray(100_000, 100_064);
    const key = await put(data);
    const again = await put(data);
    expect(again).toBe(key);
    for (const file of await allFiles(dir)) {
      const bytes = await fs.readFile(file);
      expect({ file, found: bytes.includes(marker) }).toEqual({ file, found: false });
      // Nor any 64 bytes at a chunk start (where a non-encrypting store would put them).
      expect(bytes.includes(data.subarray(C, C + 64))).toBe(false);
    }
    const stored = await fs.readFile(fileOf(key));
    expect(stored.subarray(0, MAGIC.length).equals(MAGIC)).toBe(true);
    expect(parseHeader(stored, 'test').keyId).toBe(readKeyFile(keyFile).current);
    // The key file is reused across restarts: what was stored stays readable.
    await store.close();
    store = await open();
    expect((await readAll(await store.blobs.get(key))).equals(data)).toBe(true);
  });

  it.each([0, 1, C - 1, C, C + 1, 2 * C, 3 * C + 17])('reads %i bytes back byte-identical, whole and by ranges across chunk boundaries', async (n) => {
    store = await open();
    const data = content(n, n);
    const key = await put(data);
    expect(await store.blobs.stat(key)).toEqual({ sha256: key, size: n });
    expect((await readAll(await store.blobs.get(key))).equals(data)).toBe(true);
    if (n === 0) return;
    const ranges: [number, number][] = [
      [0, 0],
      [n - 1, n - 1],
      [0, n - 1],
      [Math.max(0, C - 1), Math.min(n - 1, C)],
      [Math.max(0, C - 5), Math.min(n - 1, 2 * C + 5)],
      [Math.min(n - 1, C), n - 1],
      [Math.floor(n / 3), Math.floor((2 * n) / 3)],
    ];
    for (const [start, end] of ranges) {
      const got = await readAll(await store.blobs.get(key, { start, end }));
      expect({ start, end, same: got.equals(data.subarray(start, end + 1)) }).toEqual({ start, end, same: true });
    }
  });

  it('fails a read of a modified byte (at get for the first chunk, in the stream for a later one); other chunks still read', async () => {
    store = await open();
    const data = content(3 * C, 3);
    const key = await put(data);
    const file = fileOf(key);
    const original = await fs.readFile(file);
    const header = parseHeader(original, 'test').bytes.length;

    const inSecond = Buffer.from(original);
    inSecond[header + (C + 16) + 500] ^= 0x40;
    await fs.writeFile(file, inSecond);
    await expect(readAll(await store.blobs.get(key))).rejects.toThrow(BlobIntegrityError);
    await expect(readAll(await store.blobs.get(key, { start: C - 10, end: C + 10 }))).rejects.toThrow(/chunk 1 .*failed authentication/);
    expect((await readAll(await store.blobs.get(key, { start: 0, end: C - 1 }))).equals(data.subarray(0, C))).toBe(true);

    const inFirst = Buffer.from(original);
    inFirst[header + 3] ^= 0x01;
    await fs.writeFile(file, inFirst);
    await expect(store.blobs.get(key)).rejects.toThrow(BlobIntegrityError);

    const inHeader = Buffer.from(original);
    inHeader[header - 1] ^= 0x01; // the last byte of the base nonce
    await fs.writeFile(file, inHeader);
    await expect(store.blobs.get(key)).rejects.toThrow(BlobIntegrityError);

    const tag = Buffer.from(original);
    tag[tag.length - 1] ^= 0x80;
    await fs.writeFile(file, tag);
    await expect(readAll(await store.blobs.get(key))).rejects.toThrow(BlobIntegrityError);
  });

  it('detects a truncated file, cut inside a chunk or exactly at a chunk boundary', async () => {
    store = await open();
    const data = content(2 * C + 100, 4);
    const key = await put(data);
    const file = fileOf(key);
    const original = await fs.readFile(file);
    for (const cut of [1, 20, 100 + 16, 100 + 16 + 5, C + 16 + 116]) {
      await fs.writeFile(file, original.subarray(0, original.length - cut));
      // The whole read fails, at get() or in the stream, whichever chunk the cut lands in.
      await expect((async () => readAll(await store.blobs.get(key)))()).rejects.toThrow(BlobIntegrityError);
    }
    // A cut that leaves no complete tag: stat says so too.
    await fs.writeFile(file, original.subarray(0, original.length - 100 - 16 + 3));
    await expect(store.blobs.stat(key)).rejects.toThrow(/truncated/);
  });

  it('rotates keys: content written with k1 stays readable after k2 becomes current, and new content uses k2', async () => {
    const keyFile = path.join(dir, '..', `${path.basename(dir)}-keys.json`);
    try {
      await fs.writeFile(keyFile, JSON.stringify({ current: 'k1', keys: { k1: key32(1) } }), { mode: 0o600 });
      store = await open(keyFile);
      expect(await fs.readdir(dir)).not.toContain(DEFAULT_KEY_FILE);
      const a = content(C + 5, 10);
      const ka = await put(a);
      await store.close();

      await fs.writeFile(keyFile, JSON.stringify({ current: 'k2', keys: { k1: key32(1), k2: key32(2) } }));
      store = await open(keyFile);
      const b = content(1000, 11);
      const kb = await put(b);
      expect(parseHeader(await fs.readFile(fileOf(ka)), 'a').keyId).toBe('k1');
      expect(parseHeader(await fs.readFile(fileOf(kb)), 'b').keyId).toBe('k2');
      expect((await readAll(await store.blobs.get(ka))).equals(a)).toBe(true);
      expect((await readAll(await store.blobs.get(kb))).equals(b)).toBe(true);
      await store.close();

      // k1 dropped from the file: its content fails with a message naming the key id and the file.
      await fs.writeFile(keyFile, JSON.stringify({ current: 'k2', keys: { k2: key32(2) } }));
      store = await open(keyFile);
      await expect(store.blobs.get(ka)).rejects.toThrow(BlobKeyError);
      await expect(store.blobs.get(ka)).rejects.toThrow(new RegExp(`key id "k1".*${path.basename(keyFile)}`));
      expect(await store.blobs.stat(ka)).toEqual({ sha256: ka, size: a.length });
      expect((await readAll(await store.blobs.get(kb))).equals(b)).toBe(true);
      await store.close();

      // The same id with another key: authentication fails rather than serving garbage.
      await fs.writeFile(keyFile, JSON.stringify({ current: 'k2', keys: { k1: key32(9), k2: key32(2) } }));
      store = await open(keyFile);
      await expect(store.blobs.get(ka)).rejects.toThrow(BlobIntegrityError);
    } finally {
      await fs.rm(keyFile, { force: true });
    }
  });

  it('refuses to open with a configured key file that is missing or malformed, naming it', async () => {
    const missing = path.join(dir, 'nope', 'keys.json');
    await expect(open(missing)).rejects.toThrow(/cannot read the blob key file .*nope.*keys\.json.*npm run blob-key -- new/);
    const bad = path.join(os.tmpdir(), `relay-bad-keys-${process.pid}.json`);
    try {
      await fs.writeFile(bad, JSON.stringify({ current: 'k1', keys: { k1: Buffer.alloc(16).toString('base64') } }));
      await expect(open(bad)).rejects.toThrow(/key "k1" is not the base64 of exactly 32 bytes/);
      await fs.writeFile(bad, JSON.stringify({ current: 'k3', keys: { k1: key32(1) } }));
      await expect(open(bad)).rejects.toThrow(/"current" names "k3"/);
    } finally {
      await fs.rm(bad, { force: true });
    }
    // The store opens normally afterwards (the failed opens released the data directory).
    store = await open();
  });

  it('reads content stored before encryption existed (no header) as it is, and re-encrypts it when uploaded again', async () => {
    store = await open();
    const data = content(C + 300, 20);
    const key = sha256(data);
    await fs.mkdir(path.dirname(fileOf(key)), { recursive: true });
    await fs.writeFile(fileOf(key), data);
    expect(await store.blobs.stat(key)).toEqual({ sha256: key, size: data.length });
    expect((await readAll(await store.blobs.get(key))).equals(data)).toBe(true);
    expect((await readAll(await store.blobs.get(key, { start: C - 2, end: C + 2 }))).equals(data.subarray(C - 2, C + 3))).toBe(true);
    expect(await store.blobs.list()).toEqual([key]);

    const again = await store.blobs.put(Readable.from([data]), { maxBytes: 1 << 20 });
    expect(again).toMatchObject({ sha256: key, created: false });
    const stored = await fs.readFile(fileOf(key));
    expect(stored.subarray(0, MAGIC.length).equals(MAGIC)).toBe(true);
    expect(stored.includes(data.subarray(0, 64))).toBe(false);
    expect((await readAll(await store.blobs.get(key))).equals(data)).toBe(true);
  });
});

describe('blob-key command and key file format', () => {
  it('makes a key file (0600, refusing to overwrite), rotates it, and shows ids only', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-blob-key-'));
    try {
      const file = path.join(dir, 'keys.json');
      const lines: string[] = [];
      expect(await runBlobKeyCommand(['new', file], (l) => lines.push(l))).toBe(0);
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      const first = readKeyFile(file).current;
      expect(await runBlobKeyCommand(['new', file], (l) => lines.push(l))).toBe(1);
      expect(readKeyFile(file).current).toBe(first);
      expect(await runBlobKeyCommand(['rotate', file], (l) => lines.push(l))).toBe(0);
      const ring = readKeyFile(file);
      expect(ring.current).not.toBe(first);
      expect(ring.ids()).toEqual([first, ring.current]);
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      lines.length = 0;
      expect(await runBlobKeyCommand(['show', file], (l) => lines.push(l))).toBe(0);
      expect(lines).toEqual([first, `${ring.current}\t(current)`]);
      expect(await runBlobKeyCommand(['frobnicate'], () => undefined)).toBe(2);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts the file the README builds with openssl rand -base64 32', () => {
    const ring = parseKeyFile(JSON.parse(`{"current":"k1","keys":{"k1":"${Buffer.alloc(32, 5).toString('base64')}"}}\n`), 'x');
    expect(ring.key('k1').length).toBe(32);
  });
});

describe('blob encryption over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ binaryInlineMaxBytes: 1024 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves downloads byte-identical, and answers 500 with an OperationOutcome for content modified on disk', async () => {
    const data = content(2 * C + 77, 30);
    const up = await send(t.origin, 'POST', '/fhir/Binary', data, { 'content-type': 'application/octet-stream' });
    expect(up.status).toBe(201);
    const id = up.json?.id as string;
    const whole = await get(t.origin, `/fhir/Binary/${id}`, { accept: 'application/octet-stream' });
    expect(whole.status).toBe(200);
    expect(whole.body.equals(data)).toBe(true);
    const part = await get(t.origin, `/fhir/Binary/${id}`, { accept: 'application/octet-stream', range: `bytes=${C - 3}-${C + 3}` });
    expect(part.status).toBe(206);
    expect(part.body.equals(data.subarray(C - 3, C + 4))).toBe(true);

    const key = sha256(data);
    const file = path.join(t.dataDir, 'blobs', key.slice(0, 2), key);
    const stored = await fs.readFile(file);
    expect(stored.includes(data.subarray(5000, 5064))).toBe(false);
    const bad = Buffer.from(stored);
    bad[parseHeader(stored, 'test').bytes.length + 10] ^= 0x01;
    await fs.writeFile(file, bad);
    const refused = await get(t.origin, `/fhir/Binary/${id}`, { accept: 'application/octet-stream' });
    expect(refused.status).toBe(500);
    expect(refused.json?.resourceType).toBe('OperationOutcome');
  });
});
