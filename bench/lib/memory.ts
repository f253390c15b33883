/** Resident memory of a process from /proc/<pid>/status (Linux): current RSS, its high-water mark, and a sampler. */
import { readFileSync } from 'node:fs';

export interface ResidentKiB {
  /** VmRSS: resident set size now. */
  rss: number;
  /** VmHWM: the highest RSS since the process started (the kernel's own peak, between samples too). */
  hwm: number;
}

/** VmRSS and VmHWM of `pid` in KiB; undefined when /proc is not there (not Linux) or the process is gone. */
export function resident(pid: number | undefined): ResidentKiB | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    const rss = field('VmRSS');
    const hwm = field('VmHWM');
    return Number.isFinite(rss) && Number.isFinite(hwm) ? { rss, hwm } : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's VmRSS every `intervalMs` until stopped; keeps the peak and a coarse trace. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();
  peakKiB = 0;
  peakAtMs = 0;
  samples = 0;
  /** [ms since start, KiB], one point per `traceEveryMs`. */
  readonly trace: [number, number][] = [];
  private lastTrace = -Infinity;

  constructor(
    private readonly pid: number | undefined,
    intervalMs: number,
    private readonly traceEveryMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Stops sampling (after one last sample) and returns the peak seen in KiB. */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.peakKiB;
  }

  private sample(): void {
    const now = resident(this.pid);
    if (!now) return;
    const at = performance.now() - this.started;
    this.samples++;
    if (now.rss > this.peakKiB) {
      this.peakKiB = now.rss;
      this.peakAtMs = at;
    }
    if (at - this.lastTrace >= this.traceEveryMs) {
      this.trace.push([Math.round(at), now.rss]);
      this.lastTrace = at;
    }
  }
}
