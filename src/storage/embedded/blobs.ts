/**
 * The embedded engine's blob store: one file per content at `<dataDir>/blobs/<aa>/<sha256>` (aa: the
 * first two hex digits). An upload is written to `<dataDir>/blobs/tmp/`, fsynced, renamed into place
 * and the directory fsynced, so a content file is either complete and durable or absent.
 */
import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SHA256_HEX, type BlobStat, type BlobStore, type ByteRange, type PutOptions, type PutResult } from '../blobs';
import { DigestStream } from '../blob-digest';
import { startHashingWorker } from '../digest-worker';
import { fsyncDir } from './files';

/** Opens (creating if needed) the blob directories under `dataDir` and empties the temporary one. */
export async function openFileBlobStore(dataDir: string): Promise<FileBlobStore> {
  const root = path.join(dataDir, 'blobs');
  const tmp = path.join(root, 'tmp');
  await fsp.mkdir(tmp, { recursive: true });
  // Leftovers of uploads a crash interrupted: never renamed into place, so nothing refers to them.
  for (const name of await fsp.readdir(tmp)) await fsp.rm(path.join(tmp, name), { force: true });
  await fsyncDir(dataDir);
  await fsyncDir(root);
  startHashingWorker();
  return new FileBlobStore(root, tmp);
}

export class FileBlobStore implements BlobStore {
  constructor(
    private readonly root: string,
    private readonly tmp: string,
  ) {}

  async put(content: Readable, options: PutOptions): Promise<PutResult> {
    const temp = path.join(this.tmp, randomUUID());
    const digest = new DigestStream(options.maxBytes);
    const handle = await fsp.open(temp, 'wx');
    try {
      try {
        await pipeline(content, digest, syncedWriter(handle));
      } finally {
        await handle.close();
      }
      const info = await digest.info();
      const file = this.pathOf(info.sha256);
      if (await exists(file)) {
        await fsp.rm(temp, { force: true });
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
    return handle.createReadStream({ autoClose: true, highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    if (!SHA256_HEX.test(sha256)) return null;
    try {
      return { sha256, size: (await fsp.stat(this.pathOf(sha256))).size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
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

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
