/**
 * Lets the event loop breathe during a long batch or transaction. Its steps await promises that are
 * mostly resolved already (the embedded store answers at once), and such awaits never give way to
 * I/O: a 50 MB import held the process for ~18 s, every other request waiting for it. Yielding
 * (setImmediate runs after the pending I/O callbacks) once BREATHE_EVERY_MS of work have passed since
 * the last yield lets other requests be served meanwhile, for a few yields per second of work.
 */

/** Work between two yields, in milliseconds. */
export const BREATHE_EVERY_MS = 50;

export class Breather {
  private last = performance.now();

  constructor(private readonly everyMs = BREATHE_EVERY_MS) {}

  /** Call between steps: yields to the event loop when `everyMs` have passed since the last yield, else resolves at once. */
  async breathe(): Promise<void> {
    if (performance.now() - this.last < this.everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
