/**
 * Load cases with autocannon on loopback. A case is measured in slices (one per round, interleaved with
 * the other cases by run.ts so that baselines and Relay see the same background load), then combined.
 */
import autocannon, { type Request, type Result } from 'autocannon';
import { cpuSeconds } from './proc';

export interface CaseSpec {
  name: string;
  url: string;
  method: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** Called for every request: its path and body (rotating ids, changing content). */
  next: () => { path: string; body?: string };
}

/** What one timed slice of a case produced. */
export interface Slice {
  requests: number;
  seconds: number;
  /** Latencies of 2xx responses in ms, at sub-millisecond resolution (autocannon's own histogram rounds to 1 ms). */
  latencies: number[];
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU seconds the server process used during the slice (Linux only). */
  serverCpuSeconds?: number;
}

export interface CaseFigures {
  name: string;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /**
   * Server CPU time per request in µs (all threads of the server process, from /proc). Unlike req/s it
   * hardly depends on what else the machine is running, so it is the steadier figure on a busy box.
   */
  cpuUsPerReq?: number;
}

export const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

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

/** Untimed load, to let the JIT and caches settle. */
export async function warmUp(spec: CaseSpec, seconds: number, connections: number): Promise<void> {
  if (seconds > 0) await run(spec, seconds, connections);
}

/** One timed run; `serverPid` (the process under load) lets it record the server's CPU time too. */
export async function measureSlice(spec: CaseSpec, seconds: number, connections: number, serverPid?: number): Promise<Slice> {
  const latencies: number[] = [];
  const cpuBefore = cpuSeconds(serverPid);
  const r = await run(spec, seconds, connections, latencies);
  const cpuAfter = cpuSeconds(serverPid);
  const serverCpuSeconds = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return { requests: r.requests.total, seconds: r.duration, latencies, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, serverCpuSeconds };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** req/s over all slices (total requests / total time) and latency percentiles over all their responses. */
export function combine(name: string, slices: Slice[]): CaseFigures {
  const sum = (f: (s: Slice) => number) => slices.reduce((acc, s) => acc + f(s), 0);
  const sorted = Float64Array.from(slices.flatMap((s) => s.latencies)).sort();
  const seconds = sum((s) => s.seconds);
  const requests = sum((s) => s.requests);
  const cpu = slices.every((s) => s.serverCpuSeconds !== undefined) ? sum((s) => s.serverCpuSeconds as number) : undefined;
  return {
    name,
    requests,
    reqPerSec: seconds > 0 ? round(requests / seconds, 1) : 0,
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    non2xx: sum((s) => s.non2xx),
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    ...(cpu !== undefined && requests > 0 ? { cpuUsPerReq: round((cpu * 1e6) / requests, 1) } : {}),
  };
}

export const sliceRate = (s: Slice): number => (s.seconds > 0 ? s.requests / s.seconds : 0);
