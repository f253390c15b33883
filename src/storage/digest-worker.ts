/**
 * SHA-256 and SHA-1 of streamed content, computed on a worker thread so that hashing overlaps with
 * the socket reads and file writes of the event loop instead of adding to them (on the benchmark's
 * machine hashing on the event loop cut upload throughput by about 40 %). One worker serves every
 * digest in the process. Chunks travel through one fixed ring of shared memory (RING_BYTES): the
 * event loop copies a chunk in and posts where it lies, the worker hashes it there and says so, and
 * the space is reused; nothing is allocated per chunk. When the ring is full, `update` returns a
 * promise to wait for, so a slow worker slows the upload down instead of filling memory.
 */
import { Worker } from 'node:worker_threads';

/** Shared memory between the event loop and the worker. */
const RING_BYTES = 4 * 1024 * 1024;
/** Largest piece copied at once: a bigger chunk is fed in pieces, so that one always fits. */
const PIECE_BYTES = RING_BYTES / 4;

/** The worker's code: plain JavaScript, so it runs the same under tsx, ts-jest and compiled output. */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = new Uint8Array(workerData.ring);
const digests = new Map();
const open = (id) => {
  let d = digests.get(id);
  if (!d) digests.set(id, (d = [createHash('sha256'), createHash('sha1')]));
  return d;
};
parentPort.on('message', (m) => {
  if (m.t === 'data') {
    const d = open(m.id);
    const bytes = ring.subarray(m.at, m.at + m.n);
    d[0].update(bytes);
    d[1].update(bytes);
    parentPort.postMessage({ t: 'ack', id: m.id, n: m.n });
  } else if (m.t === 'end') {
    const d = open(m.id);
    digests.delete(m.id);
    parentPort.postMessage({ t: 'done', id: m.id, sha256: d[0].digest('hex'), sha1: d[1].digest('base64') });
  } else if (m.t === 'drop') {
    digests.delete(m.id);
  }
});
`;

export interface Digests {
  /** Hex SHA-256. */
  sha256: string;
  /** Base64 SHA-1 (R4 Attachment.hash). */
  sha1: string;
}

interface Pending {
  /** Set when the worker died while this digest was open: its result can no longer be trusted. */
  failed?: unknown;
  done?: { resolve: (d: Digests) => void; reject: (err: unknown) => void };
}

/** The worker and the ring's bookkeeping: pieces in flight, in the order the worker takes them. */
interface Shared {
  worker: Worker;
  ring: Uint8Array;
  /** Where the next piece is written. */
  head: number;
  /** Pieces posted and not yet hashed: their start and length, oldest first (the worker answers in order). */
  inFlight: { at: number; n: number }[];
  /** Callers waiting for space. */
  waiting: (() => void)[];
}

let shared: Shared | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function start(): Shared {
  if (shared) return shared;
  const buffer = new SharedArrayBuffer(RING_BYTES);
  const worker = new Worker(SOURCE, { eval: true, workerData: { ring: buffer } });
  const s: Shared = { worker, ring: new Uint8Array(buffer), head: 0, inFlight: [], waiting: [] };
  worker.on('message', (m: { t: string; id: number; sha256?: string; sha1?: string }) => {
    if (m.t === 'ack') {
      s.inFlight.shift();
      const waiting = s.waiting;
      s.waiting = [];
      for (const go of waiting) go();
    } else if (m.t === 'done') {
      const p = pending.get(m.id);
      pending.delete(m.id);
      hold();
      p?.done?.resolve({ sha256: m.sha256 as string, sha1: m.sha1 as string });
    }
  });
  const fail = (err: unknown) => {
    if (shared === s) shared = undefined;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.failed = err;
      p.done?.reject(err);
    }
    for (const go of s.waiting) go();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the hashing worker stopped (exit code ${code})`)));
  shared = s;
  hold();
  return s;
}

/**
 * Keeps the process alive for the worker only while a digest is open, so an idle worker never holds
 * a process (a test run, a CLI) open. Called after the listeners are attached: attaching one refs
 * the worker's port again.
 */
function hold(): void {
  if (!shared) return;
  if (pending.size > 0) shared.worker.ref();
  else shared.worker.unref();
}

/** Where `n` contiguous bytes are free in the ring, or -1 when the worker has to catch up first. */
function reserve(s: Shared, n: number): number {
  if (s.inFlight.length === 0) {
    s.head = 0;
    return 0;
  }
  const tail = s.inFlight[0].at;
  if (s.head >= tail) {
    if (s.head + n <= RING_BYTES) return s.head;
    if (n < tail) return 0; // wrap around (strictly below tail: head === tail means empty)
    return -1;
  }
  return s.head + n < tail ? s.head : -1;
}

/** Starts the shared worker ahead of the first upload (the blob stores call it when they open). */
export function startHashingWorker(): void {
  start();
}

/** One running digest; `update` in order, then `result` once, or `drop` to abandon it. */
export class WorkerDigest {
  private readonly id = nextId++;
  private readonly state: Pending = {};
  /** The feed still waiting for ring space, if any: later updates and the result queue behind it. */
  private feeding: Promise<void> | undefined;

  constructor() {
    pending.set(this.id, this.state);
    hold();
  }

  /**
   * Feeds a chunk. What fits in the ring is copied at once; when the ring is full the rest is fed as
   * the worker catches up, and a promise says when: the caller should wait for it before feeding more,
   * and must not change the chunk until then. (Calls made meanwhile still queue behind it, in order.)
   */
  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.feeding) {
      const after = this.feeding.then(() => this.feed(chunk));
      return this.track(after);
    }
    const rest = this.feed(chunk);
    return rest ? this.track(rest) : undefined;
  }

  /** The digests of everything fed. */
  async result(): Promise<Digests> {
    if (this.feeding) await this.feeding;
    return new Promise((resolve, reject) => {
      if (this.state.failed !== undefined) return reject(this.state.failed);
      this.state.done = { resolve, reject };
      start().worker.postMessage({ t: 'end', id: this.id });
    });
  }

  /** Forgets the digest (the upload failed). */
  drop(): void {
    if (!pending.delete(this.id)) return;
    shared?.worker.postMessage({ t: 'drop', id: this.id });
    hold();
  }

  /** Copies as much of `chunk` as fits; a promise for the rest when the ring is full. */
  private feed(chunk: Uint8Array): Promise<void> | undefined {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state.failed !== undefined) throw this.state.failed;
      const s = start();
      const n = Math.min(PIECE_BYTES, chunk.length - offset);
      const at = reserve(s, n);
      if (at < 0) {
        const rest = chunk.subarray(offset);
        return new Promise<void>((resolve) => s.waiting.push(resolve)).then(() => this.feed(rest));
      }
      s.ring.set(chunk.subarray(offset, offset + n), at);
      s.inFlight.push({ at, n });
      s.head = at + n;
      s.worker.postMessage({ t: 'data', id: this.id, at, n });
      offset += n;
    }
    return undefined;
  }

  /** Remembers `p` as the feed in progress until it settles. */
  private track(p: Promise<void | undefined>): Promise<void> {
    const done = p.then(() => undefined);
    this.feeding = done;
    void done.then(
      () => {
        if (this.feeding === done) this.feeding = undefined;
      },
      () => undefined,
    );
    return done;
  }
}
