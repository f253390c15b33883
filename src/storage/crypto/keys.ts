/**
 * The blob key file (RELAY_BLOB_KEY_FILE): the AES-256 keys blob content is encrypted with, by id.
 *
 *   { "current": "k-20261126-3f9a", "keys": { "k-20261126-3f9a": "<base64 of 32 random bytes>", ... } }
 *
 * New content is encrypted with `current`; each stored blob names the key it was encrypted with, so
 * after a rotation (a new key added and made current) older blobs stay readable as long as their key
 * stays in the file. Without a configured file, the embedded engine keeps one in its data directory
 * (DEFAULT_KEY_FILE), created on first start with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** The key file the embedded engine creates in its data directory when RELAY_BLOB_KEY_FILE is empty. */
export const DEFAULT_KEY_FILE = 'blob-keys.json';

/** Key ids: short, printable, stored in every blob's header. */
export const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The key file is missing, unreadable or malformed, or lacks a key a blob names. */
export class BlobKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobKeyError';
  }
}

/** The keys of one key file. */
export class KeyRing {
  constructor(
    /** Where the keys came from (for messages). */
    readonly source: string,
    /** The id new content is encrypted with. */
    readonly current: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {
    if (!keys.has(current)) throw new BlobKeyError(`${source}: "current" names key "${current}", which is not in "keys"`);
  }

  /** The key with id `id`; throws BlobKeyError naming the file when it is not there. */
  key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) {
      throw new BlobKeyError(`the content was encrypted with key id "${id}", which is not in the blob key file ${this.source} (known ids: ${[...this.keys.keys()].join(', ')}); restore that key to the file`);
    }
    return key;
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }
}

/** The JSON form of a key file. */
export interface KeyFileJson {
  current: string;
  keys: Record<string, string>;
}

/** A fresh key id: the date and random hex, so ids of keys made on different machines do not clash. */
export function newKeyId(now = new Date()): string {
  return `k-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** A key file with one fresh random key. */
export function newKeyFile(): KeyFileJson {
  const id = newKeyId();
  return { current: id, keys: { [id]: randomBytes(32).toString('base64') } };
}

/** `file` with one more fresh key, made current (the old ones stay for reading older content). */
export function rotated(file: KeyFileJson): KeyFileJson {
  let id = newKeyId();
  while (id in file.keys) id = newKeyId();
  return { current: id, keys: { ...file.keys, [id]: randomBytes(32).toString('base64') } };
}

/** Checks a parsed key file and turns it into a KeyRing. */
export function parseKeyFile(json: unknown, source: string): KeyRing {
  const bad = (why: string) => new BlobKeyError(`${source}: ${why} (expected { "current": "<id>", "keys": { "<id>": "<base64 of 32 bytes>" } }; make one with npm run blob-key -- new <file>)`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('not a JSON object');
  const { current, keys } = json as Record<string, unknown>;
  if (typeof current !== 'string' || !KEY_ID.test(current)) throw bad('"current" is not a key id (1-64 of A-Z a-z 0-9 . _ -)');
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw bad('"keys" is not an object');
  const map = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys)) {
    if (!KEY_ID.test(id)) throw bad(`key id "${id}" is not 1-64 of A-Z a-z 0-9 . _ -`);
    const key = typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value.trim()) ? Buffer.from(value.trim(), 'base64') : undefined;
    if (!key || key.length !== 32) throw bad(`key "${id}" is not the base64 of exactly 32 bytes`);
    map.set(id, key);
  }
  if (!map.has(current)) throw bad(`"current" names "${current}", which is not in "keys"`);
  return new KeyRing(source, current, map);
}

/** Reads the key file at `file`; throws BlobKeyError with a clear message when it is absent or malformed. */
export function readKeyFile(file: string): KeyRing {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BlobKeyError(`cannot read the blob key file ${file} (${code ?? (err as Error).message})${code === 'ENOENT' ? '; make one with npm run blob-key -- new <file>' : ''}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BlobKeyError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseKeyFile(json, file);
}

/**
 * Writes a new key file at `file` with mode 0600, never replacing an existing one (the write goes to a
 * temporary file, is fsynced, and is linked into place, which fails if the name is taken).
 * Resolves false when `file` already existed.
 */
export async function writeNewKeyFile(file: string, json: KeyFileJson): Promise<boolean> {
  const temp = await writeTemporary(file, json);
  try {
    await fsp.link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fsp.rm(temp, { force: true });
    await syncDir(path.dirname(file));
  }
}

/** Writes `json` to a new temporary file beside `file` (mode 0600, fsynced); returns its path. */
async function writeTemporary(file: string, json: KeyFileJson): Promise<string> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fsp.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(json, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Replaces the key file at `file` (a rotation), keeping its mode 0600; atomic (temporary file + rename). */
export async function replaceKeyFile(file: string, json: KeyFileJson): Promise<void> {
  const temp = await writeTemporary(file, json);
  await fsp.rename(temp, file);
  await syncDir(path.dirname(file));
}

/**
 * The key ring of a store: the configured file (which must exist), or else `<dataDir>/blob-keys.json`,
 * created with a fresh key on first start.
 */
export async function openKeyRing(options: { keyFile?: string; dataDir: string; log?: (msg: string) => void }): Promise<KeyRing> {
  if (options.keyFile) return warnIfOpen(readKeyFile(options.keyFile), options.keyFile, options.log);
  const file = path.join(options.dataDir, DEFAULT_KEY_FILE);
  if (await writeNewKeyFile(file, newKeyFile())) {
    options.log?.(`created the blob encryption key file ${file} (mode 0600): back it up apart from the data, or set RELAY_BLOB_KEY_FILE to a key file kept elsewhere`);
  }
  return warnIfOpen(readKeyFile(file), file, options.log);
}

function warnIfOpen(ring: KeyRing, file: string, log?: (msg: string) => void): KeyRing {
  try {
    if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) log?.(`the blob key file ${file} is readable by other users; chmod 600 it`);
  } catch {
    // It was just read: a failing stat here changes nothing.
  }
  return ring;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
