/**
 * The embedded engine: in-memory collections evaluated by mingo, made durable by a group-committed
 * journal with periodic snapshots, in a data directory that one process holds at a time.
 *
 * Writes (single operations and whole transactions) take turns on a mutex; each builds its changes in
 * an overlay, and at commit the overlay becomes one journal record and moves to the pending layer.
 * The mutex is released before the fsync, so the next writers' records join the same sync (group
 * commit). When the record is durable its changes move to the committed layer, which is all that
 * readers outside a transaction ever see.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { StoreClosedError, StoreFailedError, TransactionAbortedError } from '../errors';
import type { Collection, Collections, Doc, Store } from '../port';
import { checkCollectionName } from '../limits';
import { EmbeddedCollection, type Access } from './collection';
import { fsyncDir, journalPath, listDataFiles, removeIfExists, snapshotPath } from './files';
import { Journal } from './journal';
import { acquireLock, type DirLock } from './lock';
import { Mutex } from './mutex';
import { recover } from './recovery';
import { writeSnapshot } from './snapshot';
import { encodeOps, State, type FrozenCollection } from './state';
import { TransactionView } from './transaction';
import { SpillArea, type SpillFile } from './spill';
import { WriteTx } from './tx';
import { openFileBlobStore, type FileBlobStore } from './blobs';

export interface EmbeddedOptions {
  dataDir: string;
  /** Journal size that triggers a snapshot and a fresh journal. */
  journalCompactBytes: number;
  /** A transaction whose documents outgrow this bound (of their JSON bytes) keeps further resources on disk (spill.ts). */
  spillFromBytes?: number;
  /** A transaction running longer is aborted, freeing the writers queued behind it (default 60 s, as MongoDB). */
  transactionTimeoutMs?: number;
  /** RELAY_BLOB_KEY_FILE; absent: `<dataDir>/blob-keys.json`, created on first start (embedded/blobs.ts). */
  blobKeyFile?: string;
  log?: (msg: string) => void;
}

/** Opens (creating if needed) the data directory, takes its lock and recovers its state. */
export async function openEmbeddedStore(options: EmbeddedOptions): Promise<EmbeddedStore> {
  const log = options.log ?? (() => {});
  const dir = path.resolve(options.dataDir);
  const created = await fs.mkdir(dir, { recursive: true });
  if (created !== undefined) {
    for (let d = dir; d !== path.dirname(created); d = path.dirname(d)) await fsyncDir(path.dirname(d));
  }
  const lock = await acquireLock(dir, log);
  try {
    const state = new State();
    const started = Date.now();
    const { gen, replayed } = await recover(dir, state, log);
    state.spill = new SpillArea(dir, options.spillFromBytes);
    const journal = await Journal.open(journalPath(dir, gen));
    if (replayed > 0) log(`embedded store ${dir}: replayed ${replayed} journal records in ${Date.now() - started} ms`);
    const blobs = await openFileBlobStore(dir, { keyFile: options.blobKeyFile, log });
    const store = new EmbeddedStore(dir, state, journal, gen, lock, { compactBytes: options.journalCompactBytes, transactionTimeoutMs: options.transactionTimeoutMs ?? 60_000 }, log, blobs);
    store.maybeCompact();
    return store;
  } catch (err) {
    await lock.release();
    throw err;
  }
}

export class EmbeddedStore implements Store {
  readonly engine = 'embedded' as const;
  /** Every transaction commits as one journal record: all or nothing. */
  readonly transactional = true;
  /** A transaction's work runs once: writers take turns, so there are no conflicts to retry. */
  readonly rerunsTransactions = false;
  private readonly mutex = new Mutex();
  private readonly handles = new Map<string, Collection>();
  private readonly outside: Access;
  private closing: Promise<void> | null = null;
  private closed = false;
  private compaction: Promise<void> | null = null;
  private readonly stops: (() => Promise<void>)[] = [];

  constructor(
    readonly dir: string,
    private readonly state: State,
    private journal: Journal,
    private gen: number,
    private readonly lock: DirLock,
    private readonly limits: { compactBytes: number; transactionTimeoutMs: number },
    private readonly log: (msg: string) => void,
    /** Content files in `<dir>/blobs` (embedded/blobs.ts). */
    readonly blobs: FileBlobStore,
  ) {
    this.outside = {
      canCreateIndex: true,
      read: async (name, fn) => {
        if (this.closed) throw new StoreClosedError();
        const table = this.state.committed.get(name);
        return fn(table ? [table] : []);
      },
      write: (fn) => this.write(fn),
    };
  }

  collection<T extends Doc = Doc>(name: string): Collection<T> {
    let handle = this.handles.get(name);
    if (!handle) {
      checkCollectionName(name);
      this.handles.set(name, (handle = new EmbeddedCollection(name, this.outside)));
    }
    return handle as unknown as Collection<T>;
  }

  async listCollections(): Promise<string[]> {
    if (this.closed) throw new StoreClosedError();
    return [...this.state.committed.keys()].sort();
  }

  /**
   * Transactions and single writes take turns, so `work` must write only through the `tx` it is
   * given: a write through the store itself would wait for this transaction to end, until the
   * transaction times out. (Detecting that at once needs AsyncLocalStorage, which on Node 20
   * doubles the cost of every promise in the process.)
   */
  async transaction<R>(work: (tx: Collections) => Promise<R>): Promise<R> {
    this.checkWritable();
    const release = await this.mutex.lock();
    const view = new TransactionView(new WriteTx(this.state));
    let durable: Promise<void> | undefined;
    let result: R;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.closed) throw new StoreClosedError();
      const ms = this.limits.transactionTimeoutMs;
      const running = Promise.resolve().then(() => work(view));
      running.catch(() => undefined);
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TransactionAbortedError(`it ran longer than ${ms} ms`)), ms);
      });
      result = await Promise.race([running, expired]);
      if (view.failure !== undefined) throw TransactionAbortedError.after(view.failure);
      durable = this.commit(view.tx);
    } finally {
      clearTimeout(timer);
      view.finished = true;
      release();
    }
    await durable;
    this.maybeCompact();
    return result;
  }

  /**
   * Waits for a running compaction and for operations already started (in-flight requests of a
   * graceful shutdown still complete), syncs the journal, and releases the directory lock.
   */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.shutdown();
    return this.closing;
  }

  onClose(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  /** Journal figures, for tests, benchmarks and diagnostics. */
  stats(): { generation: number; journalBytes: number; journalSyncs: number; spillBytes: number } {
    return { generation: this.gen, journalBytes: this.journal.size, journalSyncs: this.journal.syncs, spillBytes: this.state.spill?.bytes ?? 0 };
  }

  /** Resolves when no compaction is running (for tests and benchmarks). */
  async compacted(): Promise<void> {
    while (this.compaction) await this.compaction;
  }

  /** Starts a compaction in the background when the journal has outgrown its limit. */
  maybeCompact(): void {
    if (this.compaction || this.closing || this.journal.size <= this.limits.compactBytes) return;
    this.compaction = this.compact()
      .catch((err: Error) => this.log(`embedded store ${this.dir}: compaction failed (${err.message}); the journal keeps growing until the next attempt`))
      .finally(() => (this.compaction = null));
  }

  private async write<R>(fn: (tx: WriteTx) => R): Promise<R> {
    this.checkWritable();
    const release = await this.mutex.lock();
    let durable: Promise<void> | undefined;
    let result: R;
    try {
      if (this.closed) throw new StoreClosedError();
      const tx = new WriteTx(this.state);
      result = fn(tx);
      durable = this.commit(tx);
    } finally {
      release();
    }
    await durable;
    this.maybeCompact();
    return result;
  }

  /** Journals the transaction's ops as one record and moves its overlay to the pending layer. */
  private commit(tx: WriteTx): Promise<void> | undefined {
    if (tx.ops.length === 0) return undefined;
    if (this.journal.failed !== undefined) throw new StoreFailedError(this.journal.failed);
    const lsn = this.state.lastLsn + 1;
    const payload = encodeOps(lsn, tx.ops);
    this.state.lastLsn = lsn;
    for (const [name, table] of tx.overlay) {
      const pending = this.state.pending.get(name);
      if (pending === undefined || pending.entries.size === 0) {
        // Nothing else awaits its sync here: the transaction's own table, indexes and all, becomes the pending one.
        for (const entry of table.entries.values()) entry.lsn = lsn;
        this.state.pending.set(name, table);
      } else {
        for (const [id, entry] of table.entries) pending.set(id, { doc: entry.doc, seq: entry.seq, lsn });
      }
    }
    const ops = tx.ops;
    return this.journal.append(payload, () => this.state.settle(lsn, ops));
  }

  /**
   * Snapshot + fresh journal. Under the mutex (briefly): wait for the journal to drain, start journal
   * gen+1 and freeze the committed layer. Then, while writes continue into the new journal, write
   * snapshot gen+1 and delete what it supersedes. See recovery.ts for every crash point.
   */
  private async compact(): Promise<void> {
    const started = Date.now();
    const release = await this.mutex.lock();
    let gen!: number;
    let lsn!: number;
    let frozen!: FrozenCollection[];
    let old!: Journal;
    let spilled: SpillFile | undefined;
    try {
      if (this.closed) return;
      await this.journal.flush();
      gen = this.gen + 1;
      const next = await Journal.create(journalPath(this.dir, gen));
      await fsyncDir(this.dir);
      old = this.journal;
      this.journal = next;
      this.gen = gen;
      lsn = this.state.lastLsn;
      frozen = this.state.freeze();
      spilled = this.state.spill?.rotate();
    } finally {
      release();
    }
    await old.close();
    const bytes = await writeSnapshot(this.dir, gen, lsn, frozen);
    if (spilled) await this.moveSpilled(spilled, frozen);
    const files = await listDataFiles(this.dir);
    for (const g of files.snapshots) if (g < gen) await removeIfExists(snapshotPath(this.dir, g));
    for (const g of files.journals) if (g < gen) await removeIfExists(journalPath(this.dir, g));
    for (const temp of files.temps) await removeIfExists(temp);
    await fsyncDir(this.dir);
    const docs = frozen.reduce((n, c) => n + c.docs.length, 0);
    this.log(`embedded store ${this.dir}: compacted ${old.size} journal bytes into snapshot ${gen} (${docs} documents, ${bytes} bytes) in ${Date.now() - started} ms`);
  }

  /** Bounds the spill file (spill.ts SpillArea): the documents frozen for the snapshot are all that can still read `old`. */
  private async moveSpilled(old: SpillFile, frozen: readonly FrozenCollection[]): Promise<void> {
    try {
      await this.state.spill?.moveLive(old, (function* () {
        for (const c of frozen) yield* c.docs;
      })());
    } catch (err) {
      this.log(`embedded store ${this.dir}: could not move spilled resources to a new spill file (${(err as Error).message}); the old one is kept`);
    }
  }

  private async shutdown(): Promise<void> {
    await Promise.all(this.stops.map((stop) => stop()));
    await this.compacted();
    const release = await this.mutex.lock();
    try {
      await this.journal.close();
    } finally {
      this.closed = true;
      this.state.spill?.close();
      release();
      await this.lock.release();
    }
  }

  private checkWritable(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
