/**
 * The append-only journal with group commit: a record's promise resolves only after the bytes are
 * written and fdatasync'ed. While one write+sync is in flight, newly appended records queue up and
 * go out together in the next single write+sync, so concurrent writers share the cost of a sync.
 * Each write+sync is framed as one batch (see record.ts): a batch is either wholly valid or, if a
 * crash tore it, wholly ignored; none of its records had been acknowledged.
 */
import fs, { type FileHandle } from 'node:fs/promises';
import { StoreFailedError } from '../errors';
import { heapBudget } from '../../runtime/heap';
import { crc32 } from 'node:zlib';
import { BATCH_MAGIC, frameHeader, RECORD_MAGIC, type LazyRecord } from './record';

type Part = Buffer | LazyRecord;

interface Queued {
  /** The record's frame: its header, then its body's pieces (or its body, made while it is written). */
  frame: Part[];
  bytes: number;
  onDurable: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const EMPTY = Buffer.alloc(0);
/** The buffer a large record's text is encoded into, written each time it fills. */
const WRITE_BYTES = 8 << 20;

export class Journal {
  private queue: Queued[] = [];
  private running = false;
  private idleWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private failure: unknown = undefined;
  private syncCount = 0;
  private queuedBytes = 0;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private written: number,
  ) {}

  /** Opens an existing (recovered) journal for appending, creating it if missing. */
  static async open(file: string): Promise<Journal> {
    const handle = await fs.open(file, 'a');
    const { size } = await handle.stat();
    return new Journal(file, handle, size);
  }

  /** Creates a new, empty journal; fails if the file exists. The caller fsyncs the directory. */
  static async create(file: string): Promise<Journal> {
    return new Journal(file, await fs.open(file, 'ax'), 0);
  }

  /** Bytes in the journal, counting records still queued. */
  get size(): number {
    return this.written + this.queuedBytes;
  }

  /** How many write+sync rounds have completed (each may carry many records). */
  get syncs(): number {
    return this.syncCount;
  }

  /** Why the journal stopped accepting records, if it did. */
  get failed(): unknown {
    return this.failure;
  }

  /**
   * Appends one record: its JSON payload whole, or in UTF-8 pieces (written as they are, never
   * joined, and released once written), or a large record made piece by piece as it is written.
   * `onDurable` runs synchronously right after the record is synced (records complete in append
   * order), before the returned promise resolves.
   */
  append(payload: string | readonly Buffer[] | LazyRecord, onDurable: () => void): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(new StoreFailedError(this.failure));
    const pieces: readonly Part[] = typeof payload === 'string' ? [Buffer.from(payload, 'utf8')] : Array.isArray(payload) ? payload : [payload as LazyRecord];
    const frame = [frameHeader(pieces, RECORD_MAGIC), ...pieces];
    const bytes = frame.reduce((n, b) => n + b.length, 0);
    this.queuedBytes += bytes;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, bytes, onDurable, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  /** Resolves once every record appended so far is durable (rejects if the journal failed). */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(new StoreFailedError(this.failure));
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && this.failure === undefined) {
        const batch = this.queue;
        this.queue = [];
        // The batch frame's body is its records' frames: written after its header as they are, not copied.
        const parts = batch.flatMap((q) => q.frame);
        const header = frameHeader(parts, BATCH_MAGIC);
        parts.unshift(header);
        const bytes = batch.reduce((n, q) => n + q.bytes, header.length);
        this.queuedBytes -= bytes - header.length;
        this.written += bytes;
        // Written pieces are dropped as the write goes on: a large record's memory is released with it.
        for (const q of batch) q.frame = [];
        try {
          await this.writeAll(parts);
          await this.handle.datasync();
          this.syncCount++;
        } catch (err) {
          this.fail(err, batch);
          break;
        }
        for (let i = 0; i < batch.length; i++) {
          try {
            batch[i].onDurable();
          } catch (err) {
            this.fail(err, batch.slice(i));
            break;
          }
          batch[i].resolve();
        }
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) {
        if (this.failure === undefined) w.resolve();
        else w.reject(new StoreFailedError(this.failure));
      }
    }
  }

  private fail(err: unknown, unfinished: Queued[]): void {
    this.failure = err;
    const rejected = unfinished.concat(this.queue);
    this.queue = [];
    for (const q of rejected) q.reject(new StoreFailedError(err));
  }

  /** Writes the parts one after the other; a large record's text is encoded into one reused buffer of WRITE_BYTES, written each time it fills. */
  private async writeAll(parts: Part[]): Promise<void> {
    let buffers: Buffer[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      parts[i] = EMPTY;
      if (Buffer.isBuffer(part)) {
        buffers.push(part);
        continue;
      }
      await this.writeBuffers(buffers);
      buffers = [];
      const chunk = Buffer.allocUnsafe(WRITE_BYTES);
      let used = 0;
      let length = 0;
      let crc = 0;
      const write = async (bytes: Buffer) => {
        length += bytes.length;
        crc = crc32(bytes, crc);
        await this.writeBuffers([bytes]);
        heapBudget.check();
      };
      for (const text of part.pieces()) {
        const size = Buffer.byteLength(text, 'utf8');
        if (size > chunk.length - used) {
          await write(chunk.subarray(0, used));
          used = 0;
        }
        if (size > chunk.length) await write(Buffer.from(text, 'utf8'));
        else used += chunk.write(text, used, 'utf8');
      }
      await write(chunk.subarray(0, used));
      // Its header, written before, was computed from a first reading: a different second one would leave an invalid frame.
      if (length !== part.length || crc !== part.crc) throw new Error(`a large journal record came out differently when written (${length} bytes, expected ${part.length})`);
    }
    await this.writeBuffers(buffers);
  }

  /**
   * Writes the buffers one after the other (a vectored write, repeated for what a short write left),
   * emptying each slot of `rest` once written so that its memory can go.
   */
  private async writeBuffers(rest: Buffer[]): Promise<void> {
    let next = 0;
    while (next < rest.length) {
      // At most IOV_MAX (1024) pieces per call, and about 8 MiB, so that written pieces can be released.
      let end = next;
      for (let size = 0; end < rest.length && end - next < 1024 && size < 8 << 20; end++) size += rest[end].length;
      let { bytesWritten } = await this.handle.writev(rest.slice(next, end));
      while (next < rest.length && bytesWritten >= rest[next].length) {
        bytesWritten -= rest[next].length;
        rest[next++] = EMPTY;
      }
      if (bytesWritten > 0) rest[next] = rest[next].subarray(bytesWritten);
    }
  }
}
