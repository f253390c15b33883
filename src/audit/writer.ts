/**
 * The audit writer: one per store, the only writer of AuditEvents. Requests hand it finished events;
 * it queues them and writes them in batches (group commit), each batch in one store transaction that
 * also moves the chain head (chain.ts). Batches run one after the other, so sequence numbers and
 * hashes are strictly sequential. A failed batch never fails a request: it is logged with its events.
 * The queue is bounded without losing events: while `maxQueue` events are pending, `waitForRoom`
 * holds new requests back until the store has taken enough of them (backpressure); events of
 * requests already running are always accepted.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Collections, Store } from '../storage/port';
import { DuplicateKeyError } from '../storage/port';
import { Repository } from '../repository/repository';
import { operatorAccess } from '../repository/access';
import { currentCollection, type CurrentDoc } from '../repository/documents';
import { eventHash, GENESIS, HEAD_COLLECTION, HEAD_ID, linkEvent, linkOf, type ChainHead } from './chain';

export interface AuditWriterOptions {
  store: Store;
  baseUrl: string;
  log: (event: Record<string, unknown>) => void;
  /** Most events per store transaction (default 500). */
  maxBatch?: number;
  /** Pending events (queued or being written) at which new requests wait (RELAY_AUDIT_QUEUE_MAX, default 10000). */
  maxQueue?: number;
}

interface Queued {
  event: AuditEvent;
  done: () => void;
}

/** Raised inside a batch when another writer (another Relay on the same MongoDB) moved the head first. */
class HeadMoved extends Error {}

export class AuditWriter {
  private queue: Queued[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  /** Events queued or in the batch being written: released only once their batch has ended. */
  private pending = 0;
  private waiting: (() => void)[] = [];

  constructor(private readonly options: AuditWriterOptions) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxQueue = options.maxQueue ?? 10_000;
  }

  /** Queues `event`; resolves once the batch holding it is committed (or has failed and been logged). Never rejects. */
  record(event: AuditEvent): Promise<void> {
    if (this.closed) {
      this.options.log({ level: 'error', msg: 'audit event after the store closed; not stored', event });
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      this.queue.push({ event, done });
      this.pending += 1;
      this.kick();
    });
  }

  /**
   * Backpressure for a new request, asked before it is handled: undefined while fewer than
   * `maxQueue` events are pending, else a promise that resolves once they have drained below it.
   * Nothing is dropped meanwhile: `record` accepts every event (those of requests already running).
   */
  waitForRoom(): Promise<void> | undefined {
    if (this.closed || this.pending < this.maxQueue) return undefined;
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Resolves when every event queued so far is written (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Writes what is queued and refuses new events (registered with store.onClose). */
  async close(): Promise<void> {
    this.closed = true;
    this.release();
    await this.idle();
  }

  /** Lets the waiting requests in once the pending events are below the maximum (or the writer is closed). */
  private release(): void {
    if (this.waiting.length === 0 || (!this.closed && this.pending >= this.maxQueue)) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length) this.kick();
    });
  }

  private async drain(): Promise<void> {
    // Group commit: events of requests finishing at the same moment join one batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.writeWithRetry(batch.map((q) => q.event));
      } catch (err) {
        this.options.log({ level: 'error', msg: 'audit events could not be stored', error: err instanceof Error ? err.stack : String(err), events: batch.map((q) => q.event) });
      } finally {
        this.pending -= batch.length;
        for (const q of batch) q.done();
        this.release();
      }
    }
  }

  private async writeWithRetry(events: AuditEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.store.transaction((tx) => this.writeBatch(tx, events));
      } catch (err) {
        if (attempt >= 5 || !(err instanceof HeadMoved || err instanceof DuplicateKeyError)) throw err;
      }
    }
  }

  /** Chains and stores `events` after the current head, then moves the head (compare-and-set). */
  private async writeBatch(tx: Collections, events: AuditEvent[]): Promise<void> {
    const heads = tx.collection<ChainHead>(HEAD_COLLECTION);
    const stored = await heads.findOne({ _id: HEAD_ID });
    const head = stored ?? (await lastEventAsHead(tx));
    // Server-made events: written as built, without validation, by the operator (clients cannot write them: read-only.ts).
    const repo = new Repository(tx, { validate: () => [], access: operatorAccess, baseUrl: this.options.baseUrl });
    let { sequence, hash } = head;
    for (const event of events) {
      sequence += 1;
      hash = eventHash(await repo.create(linkEvent(event, sequence, hash)));
    }
    const next: ChainHead = { _id: HEAD_ID, sequence, hash, updated: new Date().toISOString() };
    if (!stored) return heads.insertOne(next);
    const { matchedCount } = await heads.replaceOne({ _id: HEAD_ID, sequence: head.sequence }, next);
    if (matchedCount === 0) throw new HeadMoved('the audit chain head moved during the batch');
  }
}

/**
 * Without a head document (a store audited before heads were kept, or a head removed): the chain
 * continues after the stored event with the highest sequence number.
 */
async function lastEventAsHead(db: Collections): Promise<ChainHead> {
  const docs = await db.collection<CurrentDoc>(currentCollection('AuditEvent')).find({ deleted: false }, { projection: { resource: 1 } });
  let last: { sequence: number; hash: string } = { sequence: 0, hash: GENESIS };
  for (const doc of docs) {
    const sequence = doc.resource ? linkOf(doc.resource).sequence : undefined;
    if (doc.resource && sequence !== undefined && sequence > last.sequence) last = { sequence, hash: eventHash(doc.resource) };
  }
  return { _id: HEAD_ID, ...last };
}
