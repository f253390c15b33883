/** A FIFO async mutex: writers and transactions take turns, in arrival order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Waits for the lock; call the returned function exactly once to release it. */
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.tail.then(() => release);
    this.tail = next;
    return acquired;
  }
}
