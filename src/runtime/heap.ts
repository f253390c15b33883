/**
 * Garbage collection during long work: a large Bundle's entries (rest/transaction.ts, rest/batch.ts),
 * the journal record and snapshot they lead to (storage/embedded), and a streamed response (http/stream-json.ts).
 * V8 sizes its next full collection from the
 * heap left by the last one: during a long import, which allocates hundreds of megabytes of
 * short-lived objects (parsing, validation, index values) while its live data grows, it lets the heap
 * reach two to four times the live data before it collects, and the process's RSS follows (a 50 MB
 * transaction took the server from 290 MB to 970 MB). Collecting each time the heap has grown by
 * HEAP_SLACK keeps it near what is live, for a few full collections per large import (a small
 * Bundle never triggers one). Buffers count too: their memory lies outside the heap, but only a
 * collection frees it (a snapshot's record buffers piled up to 60 MB after a large import).
 *
 * Node gives `gc` to code only with --expose-gc; without that flag the function is taken from a
 * fresh V8 context created with the flag set for that moment (as the expose-gc package does). If
 * neither works, nothing is collected and the import behaves as before.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Growth of the used heap and Buffers, since the last collection or the start, that triggers a
 * collection; at least a quarter of what was then in use, so that on a large heap (a store of millions
 * of resources) the collections stay rare relative to their cost.
 */
export const HEAP_SLACK = 64 * 1024 * 1024;

const collect = findGc();

function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return () => void exposed();
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    return typeof fn === 'function' ? () => void fn() : undefined;
  } catch {
    return undefined;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

/** The heap in use plus the memory of Buffers (external to the heap, freed only when the GC collects their objects). */
const usedHeap = () => {
  const stats = v8.getHeapStatistics();
  return stats.used_heap_size + stats.external_memory;
};

/** Collects garbage during one long piece of work whenever the heap has grown by `slack` since the last collection. */
export class HeapBudget {
  private base = usedHeap();
  /** Full collections this budget ran. */
  collections = 0;

  constructor(private readonly slack = HEAP_SLACK) {}

  /** Call between steps of the work (reads the heap's size: about a microsecond). */
  check(): void {
    if (collect === undefined || usedHeap() - this.base < Math.max(this.slack, this.base / 4)) return;
    collect();
    this.collections++;
    this.base = usedHeap();
  }

  /** Collects now (when a large piece of memory has just become garbage: a large request's raw bytes). */
  collect(): void {
    if (collect === undefined) return;
    collect();
    this.collections++;
    this.base = usedHeap();
  }

  /** Whether this process can collect on demand. */
  static get available(): boolean {
    return collect !== undefined;
  }
}

/** The process's budget: every long piece of work checks this one, so that concurrent ones share it. */
export const heapBudget = new HeapBudget();
