/**
 * Runs a pass of background work every `intervalMs` while a store is open (the blob sweep, the
 * consult escalation): one pass at a time, errors logged, the timer never keeping the process alive,
 * and stopped (waiting for a running pass) when the store closes.
 */
import type { Store } from './port';

export interface PeriodicHandle {
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
}

export function startPeriodic(store: Store, options: { name: string; intervalMs: number; log: (event: Record<string, unknown>) => void }, pass: () => Promise<void>): PeriodicHandle {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass()
        .catch((err: Error) => options.log({ level: 'error', msg: `${options.name} failed`, error: err.stack ?? String(err) }))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, options.intervalMs);
    timer.unref();
  };
  const handle: PeriodicHandle = {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
  store.onClose(() => handle.stop());
  schedule();
  return handle;
}
