/**
 * Keeps the sweep away from content that a write in this process is about to reference: from the
 * moment an upload is stored until its Binary is committed (or the write fails), the content is held.
 * Holding and removing take turns per content, so the sweep never removes content between an upload
 * finding it already stored and the write that references it.
 */
import type { BlobStore } from '../storage/blobs';

export class Leases {
  private readonly holds = new Map<string, number>();
  private readonly turns = new Map<string, Promise<void>>();

  /** Runs `work` alone for this content: no other turn on the same content runs meanwhile. */
  async turn<R>(sha256: string, work: () => Promise<R>): Promise<R> {
    const before = this.turns.get(sha256) ?? Promise.resolve();
    const run = before.then(work);
    const done = run.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(sha256, done);
    try {
      return await run;
    } finally {
      if (this.turns.get(sha256) === done) this.turns.delete(sha256);
    }
  }

  /** Holds the content until the returned function is called (idempotent). */
  hold(sha256: string): () => void {
    this.holds.set(sha256, (this.holds.get(sha256) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.holds.get(sha256) ?? 1) - 1;
      if (n > 0) this.holds.set(sha256, n);
      else this.holds.delete(sha256);
    };
  }

  /** True while a write holds the content. */
  held(sha256: string): boolean {
    return this.holds.has(sha256);
  }
}

const byStore = new WeakMap<BlobStore, Leases>();

/** The leases of one blob store (shared by every repository and the sweep on it). */
export function leasesOf(blobs: BlobStore): Leases {
  let leases = byStore.get(blobs);
  if (!leases) byStore.set(blobs, (leases = new Leases()));
  return leases;
}
