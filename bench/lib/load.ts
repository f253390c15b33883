/** One autocannon case on loopback: a warm-up, then a timed run reduced to the figures we report. */
import autocannon, { type Request, type Result } from 'autocannon';

export interface CaseSpec {
  name: string;
  url: string;
  method: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** Called for every request: its path and body (rotating ids, changing content). */
  next: () => { path: string; body?: string };
}

export interface LoadSettings {
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

export interface CaseFigures {
  name: string;
  requests: number;
  reqPerSec: number;
  /** Latency percentiles of 2xx responses, in ms (sub-millisecond resolution, unlike autocannon's own histogram). */
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function run(spec: CaseSpec, seconds: number, connections: number, latencies?: number[]): Promise<Result> {
  const request: Request = {
    method: spec.method,
    headers: spec.headers,
    setupRequest: (req: Request) => {
      const { path, body } = spec.next();
      return body === undefined ? { ...req, path } : { ...req, path, body };
    },
  };
  const options: autocannon.Options = { url: spec.url, connections, pipelining: 1, duration: seconds, timeout: 10, requests: [request] };
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err: unknown, result: Result) => (err ? reject(err) : resolve(result)));
    if (latencies) {
      instance.on('response', (_client, status, _bytes, ms) => {
        if (status >= 200 && status < 300) latencies.push(ms);
      });
    }
  });
}

export const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function measure(spec: CaseSpec, settings: LoadSettings): Promise<CaseFigures> {
  if (settings.warmupSeconds > 0) await run(spec, settings.warmupSeconds, settings.connections);
  const latencies: number[] = [];
  const r = await run(spec, settings.seconds, settings.connections, latencies);
  const sorted = Float64Array.from(latencies).sort();
  return {
    name: spec.name,
    requests: r.requests.total,
    reqPerSec: round(r.requests.total / r.duration, 1),
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}
