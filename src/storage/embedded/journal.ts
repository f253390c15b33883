/**
 * The append-only journal with group commit: a record's promise resolves only after the bytes are
 * written and fdatasync'ed. While one write+sync is in flight, newly appended records queue up and
 * go out together in the next single write+sync, so concurrent writers share the cost of a sync.
 * Each write+sync is framed as one batch (see record.ts): a batch is either wholly valid or, if a
 * crash tore it, wholly ignored; none of its records had been acknowledged.
 *
 * A record's text is produced while it is written (frame-writer.ts): a large transaction is encoded
 * document by document into one reused buffer, never held whole as text or bytes.
 */
import fs, { type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { StoreFailedError } from '../errors';
import { FrameWriter } from './frame-writer';
import { BATCH_MAGIC, RECORD_MAGIC } from './record';

/** A record's JSON text: whole, or in parts produced one after the other as it is written. */
export type Payload = string | (() => Iterable<string>);

interface Queued {
  payload: Payload | null;
  onDurable: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The largest single write; the buffer is kept while the journal is open. */
const CHUNK_BYTES = 1 << 20;
/** Positional writes need a descriptor without O_APPEND (on Linux, O_APPEND ignores the position). */
const OPEN_FLAGS = constants.O_RDWR | constants.O_CREAT;

export class Journal {
  private queue: Queued[] = [];
  private running = false;
  private idleWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private failure: unknown = undefined;
  private syncCount = 0;
  private buffer: Buffer | undefined;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private written: number,
  ) {}

  /** Opens an existing (recovered) journal for appending, creating it if missing. */
  static async open(file: string): Promise<Journal> {
    const handle = await fs.open(file, OPEN_FLAGS);
    const { size } = await handle.stat();
    return new Journal(file, handle, size);
  }

  /** Creates a new, empty journal; fails if the file exists. The caller fsyncs the directory. */
  static async create(file: string): Promise<Journal> {
    return new Journal(file, await fs.open(file, OPEN_FLAGS | constants.O_EXCL), 0);
  }

  /** Bytes written to the journal (records still queued are not counted until they are written). */
  get size(): number {
    return this.written;
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
   * Appends one record (its JSON text, whole or as a function giving its parts, called when the
   * record is written: what it reads must not change until then). `onDurable` runs synchronously
   * right after the record is synced (records complete in append order), before the returned
   * promise resolves.
   */
  append(payload: Payload, onDurable: () => void): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(new StoreFailedError(this.failure));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ payload, onDurable, resolve, reject });
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
        try {
          this.written = await this.writeBatch(batch);
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

  /**
   * Writes one batch frame holding the records' frames after the last batch, encoding each record as
   * it goes (a payload is dropped once written, so its memory can go). Returns the new end offset.
   */
  private async writeBatch(batch: Queued[]): Promise<number> {
    this.buffer ??= Buffer.allocUnsafeSlow(CHUNK_BYTES);
    const out = new FrameWriter(this.handle, this.written, this.buffer);
    await out.beginFrame(BATCH_MAGIC);
    for (const q of batch) {
      const payload = q.payload as Payload;
      q.payload = null;
      await out.beginFrame(RECORD_MAGIC);
      if (typeof payload === 'string') await out.text(payload);
      else for (const part of payload()) await out.text(part);
      await out.endFrame();
    }
    await out.endFrame();
    return out.finish();
  }
}
