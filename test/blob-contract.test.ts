/**
 * The blob store contract (src/storage/blobs.ts): the same behaviour tests against every engine. The
 * embedded engine (files in the data directory) always runs; GridFS runs when MONGODB_URI is set (a
 * fresh database per run, dropped afterwards, with a blob key file), and says so when it is skipped.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { MongoClient } from 'mongodb';
import { openStore } from '../src/storage/open';
import { BlobTooLargeError, type BlobStore } from '../src/storage/blobs';
import type { Store } from '../src/storage/port';
import { MAGIC } from '../src/storage/crypto/sealed';

interface Engine {
  name: string;
  open(): Promise<Store>;
  /** Names of leftover partial uploads (embedded: files in blobs/tmp). */
  leftovers(): Promise<string[]>;
  /** The bytes the engine keeps for a content (embedded: its file; GridFS: its chunks, in order). */
  stored(sha256: string): Promise<Buffer>;
  cleanup(): Promise<void>;
}

function embedded(): Engine {
  let dir = '';
  return {
    name: 'embedded',
    async open() {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-blobs-'));
      return openStore({ dataDir: dir, journalCompactBytes: 1 << 20 });
    },
    leftovers: () => fs.readdir(path.join(dir, 'blobs', 'tmp')),
    stored: (key) => fs.readFile(path.join(dir, 'blobs', key.slice(0, 2), key)),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

function mongo(uri: string): Engine {
  const db = `relay_blobs_${process.pid}_${Date.now()}`;
  const dbUri = uri.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?/, `$1/${db}`);
  // GridFS content is encrypted only with a configured key file (RELAY_BLOB_KEY_FILE).
  const keyFile = path.join(os.tmpdir(), `${db}-keys.json`);
  return {
    name: 'mongodb',
    async open() {
      await fs.writeFile(keyFile, JSON.stringify({ current: 'k1', keys: { k1: Buffer.alloc(32, 1).toString('base64') } }), { mode: 0o600 });
      return openStore({ dataDir: '', mongodbUri: dbUri, journalCompactBytes: 0, blobKeyFile: keyFile });
    },
    async stored(key) {
      const client = new MongoClient(dbUri);
      try {
        const file = await client.db().collection('blobs.files').findOne({ filename: key });
        const chunks = await client.db().collection('blobs.chunks').find({ files_id: file?._id }).sort({ n: 1 }).toArray();
        return Buffer.concat(chunks.map((c) => Buffer.from((c.data as { buffer: Uint8Array }).buffer)));
      } finally {
        await client.close();
      }
    },
    async leftovers() {
      const client = new MongoClient(dbUri);
      try {
        return (await client.db().collection('blobs.files').find({ filename: /^upload-/ }).toArray()).map((f) => String(f.filename));
      } finally {
        await client.close();
      }
    },
    async cleanup() {
      await fs.rm(keyFile, { force: true });
      const client = new MongoClient(dbUri);
      try {
        await client.db().dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

const engines: Engine[] = [embedded()];
if (process.env.MONGODB_URI) engines.push(mongo(process.env.MONGODB_URI));
else console.log('blob contract: MONGODB_URI is not set, so the GridFS engine is skipped (the embedded engine runs)');

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('base64');
const bytes = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff));

async function readAll(stream: Readable | null): Promise<Buffer> {
  if (!stream) throw new Error('no stream');
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.each(engines)('blob store contract: $name', (engine) => {
  let store: Store;
  let blobs: BlobStore;
  beforeEach(async () => {
    store = await engine.open();
    blobs = store.blobs;
  });
  afterEach(async () => {
    await store.close();
    await engine.cleanup();
  });

  it('stores streamed content under its SHA-256, with SHA-1 (base64) and size computed on the way', async () => {
    const content = bytes(300_000);
    const put = await blobs.put(Readable.from([content.subarray(0, 1000), content.subarray(1000)]), { maxBytes: 1 << 20 });
    expect(put).toEqual({ sha256: sha256(content), sha1: sha1(content), size: content.length, created: true });
    expect(await blobs.stat(put.sha256)).toEqual({ sha256: put.sha256, size: content.length });
    expect((await readAll(await blobs.get(put.sha256))).equals(content)).toBe(true);
    expect(await blobs.list()).toEqual([put.sha256]);
  });

  it('keeps the content encrypted: the stored bytes hold none of it, and start with the header magic', async () => {
    const content = Buffer.concat(Array.from({ length: 3000 }, (_, i) => createHash('sha256').update(String(i)).digest()));
    const { sha256: key } = await blobs.put(Readable.from([content]), { maxBytes: 1 << 20 });
    const stored = await engine.stored(key);
    expect(stored.subarray(0, MAGIC.length).equals(MAGIC)).toBe(true);
    for (const at of [0, 65_536, 90_000]) expect(stored.includes(content.subarray(at, at + 64))).toBe(false);
    expect((await readAll(await blobs.get(key))).equals(content)).toBe(true);
    expect(await blobs.stat(key)).toEqual({ sha256: key, size: content.length });
  });

  it('stores identical content once', async () => {
    const content = bytes(5000, 2);
    const first = await blobs.put(Readable.from([content]), { maxBytes: 1 << 20 });
    const second = await blobs.put(Readable.from([content]), { maxBytes: 1 << 20 });
    expect(second).toEqual({ ...first, created: false });
    expect(await blobs.list()).toEqual([first.sha256]);
  });

  it('serves inclusive byte ranges', async () => {
    const content = bytes(10_000, 3);
    const { sha256: key } = await blobs.put(Readable.from([content]), { maxBytes: 1 << 20 });
    expect((await readAll(await blobs.get(key, { start: 0, end: 0 }))).equals(content.subarray(0, 1))).toBe(true);
    expect((await readAll(await blobs.get(key, { start: 4000, end: 5999 }))).equals(content.subarray(4000, 6000))).toBe(true);
    expect((await readAll(await blobs.get(key, { start: 9990, end: 9999 }))).equals(content.subarray(9990))).toBe(true);
  });

  it('stores empty content', async () => {
    const put = await blobs.put(Readable.from([]), { maxBytes: 10 });
    expect(put.size).toBe(0);
    expect(put.sha256).toBe(sha256(Buffer.alloc(0)));
    expect((await readAll(await blobs.get(put.sha256))).length).toBe(0);
  });

  it('refuses content over maxBytes and keeps nothing of it', async () => {
    await expect(blobs.put(Readable.from([bytes(600), bytes(600)]), { maxBytes: 1000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await blobs.list()).toEqual([]);
    expect(await engine.leftovers()).toEqual([]);
  });

  it('keeps nothing of content whose stream fails midway', async () => {
    const source = new PassThrough();
    const putting = blobs.put(source, { maxBytes: 1 << 20 });
    source.write(bytes(2000));
    setTimeout(() => source.destroy(new Error('client went away')), 20);
    await expect(putting).rejects.toThrow('client went away');
    expect(await blobs.list()).toEqual([]);
    expect(await engine.leftovers()).toEqual([]);
  });

  it('answers null for unknown content, and removes content (removing twice is fine)', async () => {
    const unknown = sha256(Buffer.from('nothing'));
    expect(await blobs.get(unknown)).toBeNull();
    expect(await blobs.stat(unknown)).toBeNull();
    expect(await blobs.get('not-a-hash')).toBeNull();
    const { sha256: key } = await blobs.put(Readable.from([bytes(100)]), { maxBytes: 1000 });
    await blobs.remove(key);
    await blobs.remove(key);
    expect(await blobs.stat(key)).toBeNull();
    expect(await blobs.list()).toEqual([]);
  });

  it('keeps stored content across a reopen (durable when put resolves)', async () => {
    const content = bytes(4096, 5);
    const { sha256: key } = await blobs.put(Readable.from([content]), { maxBytes: 1 << 20 });
    if (engine.name === 'embedded') {
      const dir = path.dirname(path.dirname(path.dirname(await blobPathOf(store, key))));
      await store.close();
      store = await openStore({ dataDir: dir, journalCompactBytes: 1 << 20 });
      blobs = store.blobs;
    }
    expect((await readAll(await blobs.get(key))).equals(content)).toBe(true);
  });
});

/** The embedded engine's file of a content (its layout is part of the contract: blobs/aa/<sha256>). */
async function blobPathOf(store: Store, key: string): Promise<string> {
  const dir = (store as unknown as { dir: string }).dir;
  const file = path.join(dir, 'blobs', key.slice(0, 2), key);
  await fs.access(file);
  return file;
}
