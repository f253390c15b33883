/**
 * The embedded engine's blob store: one file per content at `<dataDir>/blobs/<aa>/<sha256>` (aa: the
 * first two hex digits). An upload is written to `<dataDir>/blobs/tmp/`, fsynced, renamed into place
 * and the directory fsynced, so a content file is either complete and durable or absent.
 *
 * Content is encrypted on its way to the file (crypto/sealed.ts; plaintext never reaches the disk) with
 * the current key of the key file (crypto/keys.ts: RELAY_BLOB_KEY_FILE, or `<dataDir>/blob-keys.json`
 * created on first start). Files written before encryption existed have no header and are read as they are.
 */
import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SHA256_HEX, type BlobStat, type BlobStore, type ByteRange, type PutOptions, type PutResult } from '../blobs';
import { DigestStream } from '../blob-digest';
import { startHashingWorker } from '../digest-worker';
import { openKeyRing, type KeyRing } from '../crypto/keys';
import { isSealed, masterKey, MAX_HEADER_BYTES, openChunks, openedStream, parseHeader, planRead, plaintextSize, SealStream } from '../crypto/sealed';
import { fsyncDir } from './files';

export interface FileBlobOptions {
  /** RELAY_BLOB_KEY_FILE; absent: `<dataDir>/blob-keys.json`, created on first start. */
  keyFile?: string;
  log?: (msg: string) => void;
}

/** Opens (creating if needed) the blob directories and key file under `dataDir` and empties the temporary directory. */
export async function openFileBlobStore(dataDir: string, options: FileBlobOptions = {}): Promise<FileBlobStore> {
  const keys = await openKeyRing({ keyFile: options.keyFile, dataDir, log: options.log });
  const root = path.join(dataDir, 'blobs');
  const tmp = path.join(root, 'tmp');
  await fsp.mkdir(tmp, { recursive: true });
  // Leftovers of uploads a crash interrupted: never renamed into place, so nothing refers to them.
  for (const name of await fsp.readdir(tmp)) await fsp.rm(path.join(tmp, name), { force: true });
  await fsyncDir(dataDir);
  await fsyncDir(root);
  startHashingWorker();
  return new FileBlobStore(root, tmp, keys);
}

export class FileBlobStore implements BlobStore {
  constructor(
    private readonly root: string,
    private readonly tmp: string,
    private readonly keys: KeyRing,
  ) {}

  async put(content: Readable, options: PutOptions): Promise<PutResult> {
    const temp = path.join(this.tmp, randomUUID());
    const digest = new DigestStream(options.maxBytes);
    const handle = await fsp.open(temp, 'wx');
    try {
      try {
        await pipeline(content, digest, new SealStream(this.keys), syncedWriter(handle));
      } finally {
        await handle.close();
      }
      const info = await digest.info();
      const file = this.pathOf(info.sha256);
      if (await exists(file)) {
        if (await isSealedFile(file)) {
          await fsp.rm(temp, { force: true });
          return { ...info, created: false };
        }
        // Stored before encryption existed: the encrypted copy replaces it (readers holding it open keep their bytes).
        await fsp.rename(temp, file);
        await fsyncDir(path.dirname(file));
        return { ...info, created: false };
      }
      const dir = path.dirname(file);
      const made = await fsp.mkdir(dir, { recursive: true });
      if (made !== undefined) await fsyncDir(this.root);
      await fsp.rename(temp, file);
      await fsyncDir(dir);
      return { ...info, created: true };
    } catch (err) {
      await fsp.rm(temp, { force: true });
      throw err;
    }
  }

  async get(sha256: string, range?: ByteRange): Promise<Readable | null> {
    if (!SHA256_HEX.test(sha256)) return null;
    const file = this.pathOf(sha256);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    // An open descriptor keeps the bytes readable even if the sweep unlinks the file meanwhile.
    try {
      const { head, stored } = await readHead(handle);
      if (!isSealed(head)) {
        // Content stored before encryption existed.
        return handle.createReadStream({ autoClose: true, highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end } : {}) });
      }
      const what = `stored content ${sha256}`;
      const header = parseHeader(head, what);
      const master = masterKey(this.keys, header, what);
      const plan = planRead(header, stored, plaintextSize(header, stored, what), range);
      if (plan.count === 0) {
        await handle.close();
        return Readable.from([]);
      }
      const sealed = handle.createReadStream({ autoClose: true, highWaterMark: 1 << 20, start: plan.from, end: plan.to });
      return await openedStream(openChunks(sealed, header, master, plan, what));
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    if (!SHA256_HEX.test(sha256)) return null;
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(this.pathOf(sha256), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const { head, stored } = await readHead(handle);
      if (!isSealed(head)) return { sha256, size: stored };
      const what = `stored content ${sha256}`;
      return { sha256, size: plaintextSize(parseHeader(head, what), stored, what) };
    } finally {
      await handle.close();
    }
  }

  async remove(sha256: string): Promise<void> {
    if (!SHA256_HEX.test(sha256)) return;
    const file = this.pathOf(sha256);
    await fsp.rm(file, { force: true });
    await fsyncDir(path.dirname(file)).catch(() => undefined);
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const dir of await fsp.readdir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of await fsp.readdir(path.join(this.root, dir))) if (SHA256_HEX.test(name) && name.startsWith(dir)) out.push(name);
    }
    return out.sort();
  }

  private pathOf(sha256: string): string {
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }
}

/** A writable onto an open file that fsyncs it before finishing (the handle stays open for the caller to close). */
function syncedWriter(handle: fsp.FileHandle): Writable {
  return new Writable({
    highWaterMark: 1 << 20,
    writev(chunks, callback) {
      handle.writev(chunks.map((c) => c.chunk as Buffer)).then(() => callback(), callback);
    },
    final(callback) {
      handle.sync().then(() => callback(), callback);
    },
  });
}

/** The first bytes of a stored file (enough for any header) and its length. */
async function readHead(handle: fsp.FileHandle): Promise<{ head: Buffer; stored: number }> {
  const stored = (await handle.stat()).size;
  const head = Buffer.alloc(Math.min(stored, MAX_HEADER_BYTES));
  let got = 0;
  while (got < head.length) {
    const { bytesRead } = await handle.read(head, got, head.length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return { head: head.subarray(0, got), stored };
}

/** Whether the file at `file` is encrypted (a file that vanished meanwhile counts as encrypted: nothing to replace). */
async function isSealedFile(file: string): Promise<boolean> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch {
    return true;
  }
  try {
    return isSealed((await readHead(handle)).head);
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
