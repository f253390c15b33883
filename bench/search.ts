/**
 * `npm run bench:search`: Relay's search on the embedded engine, in-process (the repository is
 * called directly, so the figures are the search engine's own), at 1k, 10k and 100k mixed resources
 * in one store, plus one HTTP case on loopback and, at 10k, the same searches on the same resources
 * through @medplum/fhir-router's MemoryRepository. Prints tables with PASS/FAIL against the issue's
 * targets and writes bench/results/search-latest.json. Exits non-zero only when something broke.
 *
 * Writes go through the Repository exactly as in production (index values extracted at write, group
 * commit), except that validation is skipped to keep the load fast. The temp store is deleted at
 * the end, also on error or Ctrl-C. Settings: see readSearchSettings below and bench/README.md.
 */
import { machineInfo } from './lib/machine';
import { scratchRun } from './lib/scratch';
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Resource } from '@medplum/fhirtypes';
import { buildApp, prepareStore } from '../src/app';
import { loadConfig } from '../src/config';
import { operatorAccess } from '../src/repository/access';
import { Repository } from '../src/repository/repository';
import { parseSearch } from '../src/search/parse/index';
import { openStore } from '../src/storage/open';
import type { Store } from '../src/storage/port';
import { summarise, type CpuProfile } from './lib/cpuprofile';
import { emptyPool, planStep, remember, rng, type Pool, type Random } from './lib/search-data';
import { medplumSearch, MemoryRepository } from './lib/search-medplum';
import { SEARCH_CASES, type Params, type SearchCase } from './lib/search-queries';

const ROOT = path.resolve(__dirname, '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const BASE_URL = 'http://relay.bench/fhir';
const PAGE = 20;
/** Issue 3: token and reference equality p50 ≤ 5 ms at 100k; Relay ≥ 10× faster than Medplum's MemoryRepository at 10k. */
const TARGET_P50_MS = 5;
const TARGET_MEDPLUM_RATIO = 10;
/** Sub-linear check: p50 ∝ n^k with k ≤ 0.5 from the smallest to the largest size (100× data → ≤ 10× time). */
const MAX_EXPONENT = 0.5;

interface SearchSettings {
  sizes: number[];
  runs: number;
  warmup: number;
  concurrency: number;
  medplumAt: number;
  medplumBudgetSeconds: number;
  /** 'auto' (indexed cases that miss the target at the largest size), 'none', 'all', or case keys and/or 'http'. */
  profile: string;
}

function intList(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (!raw?.trim()) return fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`${name}=${raw}: expected integers ≥ 100, comma-separated`);
  return [...new Set(list)].sort((a, b) => a - b);
}

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (!raw?.trim()) return fallback;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${raw}: expected an integer ≥ ${min}`);
  return n;
}

function readSearchSettings(env: NodeJS.ProcessEnv): SearchSettings {
  const sizes = intList('BENCH_SEARCH_SIZES', env.BENCH_SEARCH_SIZES, [1_000, 10_000, 100_000]);
  return {
    sizes,
    runs: int('BENCH_SEARCH_RUNS', env.BENCH_SEARCH_RUNS, 50, 1),
    warmup: int('BENCH_SEARCH_WARMUP', env.BENCH_SEARCH_WARMUP, 10, 0),
    concurrency: int('BENCH_SEARCH_CONCURRENCY', env.BENCH_SEARCH_CONCURRENCY, 200, 1),
    medplumAt: int('BENCH_SEARCH_MEDPLUM_AT', env.BENCH_SEARCH_MEDPLUM_AT, sizes.includes(10_000) ? 10_000 : sizes[0], 0),
    medplumBudgetSeconds: int('BENCH_SEARCH_MEDPLUM_BUDGET', env.BENCH_SEARCH_MEDPLUM_BUDGET, 15, 1),
    profile: env.BENCH_SEARCH_PROFILE?.trim() || 'auto',
  };
}

// ---------------------------------------------------------------------------------------------
// Figures

interface Timing {
  runs: number;
  /** Only one run was made, and it was the first (see MeasureOptions.coldSampleOverMs). */
  cold?: boolean;
  p50: number;
  p95: number;
  mean: number;
  /** Mean Bundle total (matches), when the search reports one. */
  matches?: number;
  /** Mean number of included resources. */
  included?: number;
  /** The total of each measured run, in order (for comparing engines run by run; left out of the JSON). */
  totals: (number | undefined)[];
}

interface LoadFigures {
  size: number;
  added: number;
  seconds: number;
  perSecond: number;
  /** Time spent after the load waiting for a journal compaction it started (not in `seconds`). */
  compactionWaitSeconds: number;
  heapMiB: number;
  rssMiB: number;
}

interface Outcome {
  total?: number;
  included: number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

interface MeasureOptions {
  runs: number;
  warmup: number;
  /** Stop measuring once this much time has been spent on measured runs (after at least `minRuns`). */
  budgetMs?: number;
  minRuns?: number;
  /** When the first warm-up run alone takes longer than this, it is kept as the only (cold) sample. */
  coldSampleOverMs?: number;
}

/** Runs `once` on a fresh query per run: `warmup` unmeasured runs, then `runs` measured ones (fewer if the budget runs out). */
async function measure(c: SearchCase, seed: number, pool: Pool, once: (type: string, params: Params) => Promise<Outcome>, options: MeasureOptions): Promise<Timing> {
  const { runs, warmup, budgetMs = Infinity, minRuns = 5, coldSampleOverMs = Infinity } = options;
  // Warm-up values come from their own sequence, so the measured runs see the same queries whatever the warm-up.
  const warmRandom = rng(seed ^ 0x5bd1e995);
  const random = rng(seed);
  const times: number[] = [];
  const totals: (number | undefined)[] = [];
  const included: number[] = [];
  const record = (ms: number, out: Outcome) => {
    times.push(ms);
    totals.push(out.total);
    included.push(out.included);
  };
  let cold = false;
  for (let i = 0; i < warmup; i++) {
    // The first warm-up run uses the first measured query, so that a cold sample is comparable across engines.
    const { type, params } = c.make(i === 0 ? rng(seed) : warmRandom, pool);
    const t0 = performance.now();
    const out = await once(type, params);
    const elapsed = performance.now() - t0;
    await yieldToEventLoop();
    if (i === 0 && elapsed > coldSampleOverMs) {
      record(elapsed, out);
      cold = true;
      break;
    }
  }
  const started = performance.now();
  for (let i = 0; !cold && i < runs; i++) {
    const { type, params } = c.make(random, pool);
    const t0 = performance.now();
    const out = await once(type, params);
    record(performance.now() - t0, out);
    // The embedded engine answers without I/O: yield, so that Ctrl-C (and a snapshot) can run between runs.
    await yieldToEventLoop();
    if (i + 1 >= minRuns && performance.now() - started > budgetMs) break;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const known = totals.filter((t): t is number => t !== undefined);
  return {
    runs: times.length,
    ...(cold ? { cold } : {}),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    mean: round(mean(times)),
    ...(known.length ? { matches: round(mean(known), 1) } : {}),
    ...(included.some((n) => n > 0) ? { included: round(mean(included), 1) } : {}),
    totals,
  };
}

/** The seed of a case's value sequence at a size: Relay and Medplum get the same queries. */
const seedOf = (c: SearchCase, size: number): number => [...(c.sameValuesAs ?? c.key)].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619), 2166136261 ^ size);

// ---------------------------------------------------------------------------------------------
// Output

/** A Markdown table (readable in a terminal, pasteable into bench/README.md: `|` in cells is escaped). */
function mdTable(head: string[], cells: string[][], right: number[] = []): string {
  // Queries go in code spans: GitHub would read `<code>` or `<id>` in them as HTML.
  const rows = cells.map((r) => r.map((c, i) => (i === 0 && /[?<]/.test(c) ? `\`${c}\`` : c).replace(/\|/g, '\\|')));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const cell = (c: string, i: number) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (right.includes(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...rows.map(line)].join('\n');
}

const ms = (n: number | undefined): string => (n === undefined ? 'n/a' : n < 1 ? n.toFixed(3) : n < 100 ? n.toFixed(2) : n.toFixed(0));
const num = (n: number): string => n.toLocaleString('en-US');
const sizeLabel = (n: number): string => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
const mib = (bytes: number): number => Math.round(bytes / 1024 ** 2);

// ---------------------------------------------------------------------------------------------
// Loading

/** Runs `work` over `count` items with at most `concurrency` in flight (so the store's group commit applies). */
async function inFlight(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function grow(repo: Repository, added: number, random: Random, pool: Pool, counters: { patient: number; practitioner: number }, concurrency: number, keep?: Resource[]): Promise<void> {
  for (const phase of planStep(added, random, pool, counters)) {
    const stored: Resource[] = new Array(phase.count);
    await inFlight(phase.count, concurrency, async (i) => {
      stored[i] = await repo.create(phase.make());
    });
    for (const r of stored) {
      remember(pool, r);
      keep?.push(r);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Profiling (in-process, through the inspector)

async function profileCase(c: SearchCase, pool: Pool, size: number, once: (type: string, params: Params) => Promise<Outcome>, runs: number): Promise<string> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await measure(c, seedOf(c, size) + 1, pool, once, { runs, warmup: 0 });
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const dir = path.join(RESULTS_DIR, 'profiles');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `search-${c.key}-${sizeLabel(size)}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    return `${path.relative(ROOT, file)}\n${summarise(profile, ROOT, undefined, 15)}`;
  } finally {
    session.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------


async function main(): Promise<void> {
  const settings = readSearchSettings(process.env);
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const machine = machineInfo();
  console.log(`Relay search bench at ${machine.commit}: ${machine.node}, ${machine.cpuModel} × ${machine.cpuCount}, load average ${machine.loadAvgAtStart.join(' ')}`);
  console.log(`sizes ${settings.sizes.map(sizeLabel).join(' → ')}, ${settings.runs} runs per query (+${settings.warmup} warm-up), ${settings.concurrency} writes in flight, Medplum at ${sizeLabel(settings.medplumAt)}`);
  if (machine.loadAvgAtStart[0] > machine.cpuCount * 0.5) console.log(`WARNING: the machine is busy (load average ${machine.loadAvgAtStart[0]}); latencies will be noisy`);

  const scratch = await scratchRun('relay-search-bench-');
  const { dataDir } = scratch;
  let store: Store | undefined;

  const startedAt = performance.now();
  try {
    store = await openStore({ dataDir, journalCompactBytes: 64 * 1024 * 1024 });
    scratch.parts.store = store;
    let t0 = performance.now();
    await prepareStore(store, { baseUrl: BASE_URL });
    console.log(`store opened in ${dataDir}; prepareStore (definitions + search indexes) ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // Validation is skipped for load speed; index values are extracted exactly as in production.
    const repo = new Repository(store, { validate: () => [], access: operatorAccess, baseUrl: BASE_URL }, store);
    const relayOnce = async (type: string, params: Params): Promise<Outcome> => {
      const { query } = parseSearch(type, params, { strict: true });
      const page = await repo.search(query, query.count ?? PAGE);
      return { total: page.total, included: page.included.length };
    };

    // One HTTP case: the same app main.ts serves, on loopback, one request at a time.
    const config = loadConfig({ RELAY_DATA_DIR: dataDir, RELAY_BASE_URL: BASE_URL, HOST: '127.0.0.1', PORT: '0' });
    const app = buildApp({ config, store, log: () => undefined });
    const origin = await new Promise<string>((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', () => {
        const address = s.address();
        resolve(typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '');
      });
      s.once('error', reject);
      // The HTTP case runs once per size, minutes apart: keep the client's pooled connection open
      // (the default 5 s keep-alive timeout races with the reuse and fails the request with ECONNRESET).
      s.keepAliveTimeout = 15 * 60_000;
      scratch.parts.server = s;
    });
    const httpCase = SEARCH_CASES.find((c) => c.key === 'obs-subject') as SearchCase;
    // The same connection and client against a handler that does no FHIR work: the HTTP stack's own share.
    const healthCase: SearchCase = { key: 'healthz', label: 'GET /healthz', kind: 'token', indexed: false, medplum: 'native', make: () => ({ type: '', params: {} }) };
    const healthOnce = async (): Promise<Outcome> => {
      const res = await fetch(`${origin}/healthz`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET /healthz answered ${res.status}`);
      return { included: 0 };
    };
    const httpOnce = async (type: string, params: Params): Promise<Outcome> => {
      const qs = new URLSearchParams(Object.entries(params).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v])));
      const res = await fetch(`${origin}/fhir/${type}?${qs}`, { headers: { accept: 'application/fhir+json' } });
      const body = (await res.json()) as { resourceType?: string; total?: number; entry?: { search?: { mode?: string } }[] };
      if (res.status !== 200 || body.resourceType !== 'Bundle') throw new Error(`HTTP search answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
      return { total: body.total, included: (body.entry ?? []).filter((e) => e.search?.mode === 'include').length };
    };

    const pool = emptyPool();
    const counters = { patient: 0, practitioner: 0 };
    const random = rng(20261125);
    let kept: Resource[] | undefined = settings.medplumAt > 0 ? [] : undefined;
    const loads: LoadFigures[] = [];
    const relay = new Map<number, Map<string, Timing>>();
    const http = new Map<number, Timing>();
    const health = new Map<number, Timing>();
    let medplum: { size: number; loadSeconds: number; heapMiB: number; results: Map<string, Timing> } | undefined;
    let current = 0;

    for (const size of settings.sizes) {
      const added = size - current;
      t0 = performance.now();
      await grow(repo, added, random, pool, counters, settings.concurrency, kept && current < settings.medplumAt ? kept : undefined);
      const seconds = (performance.now() - t0) / 1000;
      current = size;
      // A journal compaction (snapshot) started by the load would otherwise run during the HTTP case,
      // the only one that yields to the event loop, and slow it down. Wait for it, outside the load time.
      const t1 = performance.now();
      await (store as Store & { compacted?: () => Promise<void> }).compacted?.();
      const compactionWait = (performance.now() - t1) / 1000;
      gc();
      const mem = process.memoryUsage();
      const load: LoadFigures = { size, added, seconds: round(seconds, 1), perSecond: Math.round(added / seconds), compactionWaitSeconds: round(compactionWait, 1), heapMiB: mib(mem.heapUsed), rssMiB: mib(mem.rss) };
      loads.push(load);
      console.log(
        `\n== ${sizeLabel(size)} resources: loaded ${num(added)} in ${load.seconds} s (${num(load.perSecond)}/s), then ${load.compactionWaitSeconds} s until the journal compaction finished; heap after GC ${load.heapMiB} MiB, rss ${load.rssMiB} MiB`,
      );

      const figures = new Map<string, Timing>();
      for (const c of SEARCH_CASES) {
        const timing = await measure(c, seedOf(c, size), pool, relayOnce, { runs: settings.runs, warmup: settings.warmup });
        figures.set(c.key, timing);
        console.log(`  ${c.label.padEnd(74)} p50 ${ms(timing.p50).padStart(7)} ms  p95 ${ms(timing.p95).padStart(7)} ms  matches ${timing.matches ?? '-'}${timing.included ? `  included ${timing.included}` : ''}`);
      }
      relay.set(size, figures);
      const h = await measure(httpCase, seedOf(httpCase, size), pool, httpOnce, { runs: settings.runs, warmup: settings.warmup });
      http.set(size, h);
      console.log(`  ${`HTTP GET /fhir/${httpCase.label}`.padEnd(74)} p50 ${ms(h.p50).padStart(7)} ms  p95 ${ms(h.p95).padStart(7)} ms  matches ${h.matches ?? '-'}`);
      const hz = await measure(healthCase, 0, pool, healthOnce, { runs: settings.runs, warmup: settings.warmup });
      health.set(size, hz);
      console.log(`  ${'HTTP GET /healthz (same client and connection, no FHIR work)'.padEnd(74)} p50 ${ms(hz.p50).padStart(7)} ms  p95 ${ms(hz.p95).padStart(7)} ms`);

      if (size === settings.medplumAt && kept) {
        const mp = new MemoryRepository();
        t0 = performance.now();
        for (const r of kept) await mp.createResource(r);
        const loadSeconds = round((performance.now() - t0) / 1000, 2);
        kept = undefined;
        gc();
        const heapMiB = mib(process.memoryUsage().heapUsed);
        console.log(`\n  Medplum MemoryRepository: loaded the same ${num(size)} resources in ${loadSeconds} s (heap with both stores ${heapMiB} MiB)`);
        const results = new Map<string, Timing>();
        const mpOnce = async (type: string, params: Params): Promise<Outcome> => ({ total: await medplumSearch(mp, type, params, PAGE), included: 0 });
        for (const c of SEARCH_CASES.filter((x) => x.medplum !== 'skipped')) {
          const budgetMs = settings.medplumBudgetSeconds * 1000;
          const timing = await measure(c, seedOf(c, size), pool, mpOnce, { runs: settings.runs, warmup: Math.max(1, Math.min(settings.warmup, 2)), budgetMs, minRuns: 3, coldSampleOverMs: budgetMs / 3 });
          results.set(c.key, timing);
          const r = figures.get(c.key) as Timing;
          console.log(`  ${c.label.padEnd(74)} p50 ${ms(timing.p50).padStart(7)} ms  (${timing.runs}${timing.cold ? ' cold' : ''} runs)  ${round(timing.p50 / r.p50, 1)}× Relay  matches ${timing.matches ?? '-'} (Relay ${r.matches ?? '-'})`);
        }
        medplum = { size, loadSeconds, heapMiB, results };
        mp.clear();
      }
    }

    // ---- Summary tables
    const sizes = settings.sizes;
    const first = sizes[0];
    const last = sizes[sizes.length - 1];
    const exponent = (a: number, b: number, ta: number, tb: number) => (b > a && ta > 0 ? Math.log(tb / ta) / Math.log(b / a) : NaN);
    const scalingRows: string[][] = [];
    const summary: Record<string, unknown>[] = [];
    for (const c of SEARCH_CASES) {
      const p = sizes.map((s) => relay.get(s)?.get(c.key) as Timing);
      const growth = p[p.length - 1].p50 / p[0].p50;
      const k = exponent(first, last, p[0].p50, p[p.length - 1].p50);
      const sublinear = c.indexed && sizes.length > 1 ? k <= MAX_EXPONENT : undefined;
      const target = c.indexed && last >= 100_000 ? p[p.length - 1].p50 <= TARGET_P50_MS : undefined;
      scalingRows.push([
        c.label,
        c.indexed ? `${c.kind} (indexed)` : c.kind,
        ...p.map((t) => ms(t.p50)),
        ms(p[p.length - 1].p95),
        `${growth.toFixed(1)}×`,
        Number.isNaN(k) ? '' : k.toFixed(2),
        sublinear === undefined ? '' : sublinear ? 'OK' : 'NOT',
        target === undefined ? '' : `≤ ${TARGET_P50_MS} ms: ${target ? 'PASS' : 'FAIL'}`,
        String(p[p.length - 1].matches ?? '-'),
      ]);
      summary.push({ key: c.key, label: c.label, kind: c.kind, indexed: c.indexed, bySize: Object.fromEntries(sizes.map((s, i) => [s, p[i]])), growth: round(growth, 2), exponent: round(k, 3), sublinear, targetPass: target });
    }
    const hp = sizes.map((s) => http.get(s) as Timing);
    scalingRows.push([`HTTP GET /fhir/${httpCase.label}`, 'reference, over HTTP', ...hp.map((t) => ms(t.p50)), ms(hp[hp.length - 1].p95), `${(hp[hp.length - 1].p50 / hp[0].p50).toFixed(1)}×`, '', '', '', String(hp[hp.length - 1].matches ?? '-')]);
    const hz = sizes.map((s) => health.get(s) as Timing);
    scalingRows.push(['HTTP GET /healthz (HTTP stack only)', 'baseline, over HTTP', ...hz.map((t) => ms(t.p50)), ms(hz[hz.length - 1].p95), `${(hz[hz.length - 1].p50 / hz[0].p50).toFixed(1)}×`, '', '', '', '']);

    console.log(`\n## Search latency by store size (in-process: parseSearch + repo.search(query, ${PAGE}); ms)\n`);
    console.log(
      mdTable(
        ['query', 'kind', ...sizes.map((s) => `p50 ${sizeLabel(s)}`), `p95 ${sizeLabel(last)}`, `growth ${sizeLabel(first)}→${sizeLabel(last)}`, 'k', 'sub-linear', 'target', `matches ${sizeLabel(last)}`],
        scalingRows,
        Array.from({ length: sizes.length + 3 }, (_, i) => i + 2),
      ),
    );
    console.log(`k: exponent of p50 ∝ n^k between ${sizeLabel(first)} and ${sizeLabel(last)}; sub-linear OK when k ≤ ${MAX_EXPONENT} (indexed lookups only).`);

    console.log(`\n## Load\n`);
    console.log(
      mdTable(
        ['store size', 'added', 'seconds', 'resources/s', 'then compaction s', 'heap after GC MiB', 'rss MiB'],
        loads.map((l) => [sizeLabel(l.size), num(l.added), l.seconds.toFixed(1), num(l.perSecond), l.compactionWaitSeconds.toFixed(1), num(l.heapMiB), num(l.rssMiB)]),
        [1, 2, 3, 4, 5, 6],
      ),
    );

    let medplumRows: Record<string, unknown>[] = [];
    if (medplum) {
      const m = medplum;
      const rows: string[][] = [];
      medplumRows = SEARCH_CASES.filter((c) => c.medplum !== 'skipped').map((c) => {
        const r = relay.get(m.size)?.get(c.key) as Timing;
        const mp = m.results.get(c.key) as Timing;
        const ratio = mp.p50 / r.p50;
        const pass = ratio >= TARGET_MEDPLUM_RATIO;
        // Both engines ran the same query sequence: compare the totals run by run (Relay has none with _total=none).
        const pairs = mp.totals.map((t, i) => [r.totals[i], t]).filter(([a, b]) => a !== undefined && b !== undefined);
        const same = pairs.filter(([a, b]) => a === b).length;
        rows.push([
          c.label,
          c.medplum,
          ms(r.p50),
          ms(mp.p50),
          `${mp.runs}${mp.cold ? ' (cold)' : ''}`,
          `${ratio.toFixed(1)}×`,
          `≥ ${TARGET_MEDPLUM_RATIO}×: ${pass ? 'PASS' : 'FAIL'}`,
          pairs.length ? `${same}/${pairs.length}` : 'n/a',
          String(mp.matches ?? '-'),
        ]);
        return { key: c.key, mode: c.medplum, relayP50: r.p50, medplumP50: mp.p50, medplumRuns: mp.runs, ratio: round(ratio, 2), pass, sameTotalRuns: same, comparedRuns: pairs.length, medplumMatches: mp.matches };
      });
      console.log(`\n## Relay vs @medplum/fhir-router MemoryRepository, same ${sizeLabel(m.size)} resources (p50 ms)\n`);
      console.log(mdTable(['query', 'Medplum runs it', 'Relay p50', 'Medplum p50', 'Medplum runs', 'ratio', 'goal', 'same total (runs)', 'Medplum matches'], rows, [2, 3, 4, 5, 8]));
      const passed = medplumRows.filter((r) => r.pass).length;
      console.log(`${passed}/${medplumRows.length} queries at least ${TARGET_MEDPLUM_RATIO}× faster. Medplum was capped at about ${settings.medplumBudgetSeconds} s of measured runs per query (at least 3 runs; a query whose first run alone took over a third of that was timed once, cold); "emulated": it ignores _include/_revinclude and finds nothing for chains, so those run as its base search plus the extra reads/searches. "same total": runs where both engines found the same number of matches for the same query (Medplum's MemoryRepository matches strings by "contains", Relay by prefix as R4 specifies).`);
    }

    const indexedTargets = summary.filter((s) => s.targetPass !== undefined);
    if (indexedTargets.length) {
      console.log(`\n## Targets at ${sizeLabel(last)}\n`);
      for (const s of indexedTargets) console.log(`  ${String(s.label).padEnd(74)} p50 ≤ ${TARGET_P50_MS} ms: ${s.targetPass ? 'PASS' : 'FAIL'}   sub-linear: ${s.sublinear ? 'OK' : 'NOT'}`);
    }

    // ---- Profiles of slow indexed lookups (or as asked)
    const profiles: Record<string, string> = {};
    // 'http' profiles the HTTP case (the server runs in this process, so its work is sampled too).
    const asked = settings.profile.split(',').map((k) => k.trim());
    const wanted: { c: SearchCase; once: (type: string, params: Params) => Promise<Outcome>; name: string }[] = (
      settings.profile === 'none'
        ? []
        : settings.profile === 'all'
          ? SEARCH_CASES
          : settings.profile === 'auto'
            ? SEARCH_CASES.filter((c) => c.indexed && (relay.get(last)?.get(c.key)?.p50 ?? 0) > TARGET_P50_MS)
            : SEARCH_CASES.filter((c) => asked.includes(c.key))
    ).map((c) => ({ c, once: relayOnce, name: c.label }));
    if (asked.includes('http')) wanted.push({ c: { ...httpCase, key: 'http' }, once: httpOnce, name: `HTTP GET /fhir/${httpCase.label}` });
    for (const { c, once, name } of wanted) {
      console.log(`\n## CPU profile of ${name} at ${sizeLabel(last)} (${settings.runs} runs)\n`);
      profiles[c.key] = await profileCase(c, pool, last, once, settings.runs);
      console.log(profiles[c.key]);
    }

    const totalSeconds = round((performance.now() - startedAt) / 1000, 1);
    console.log(`\ntotal ${totalSeconds} s; load average at the end ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(
      path.join(RESULTS_DIR, 'search-latest.json'),
      JSON.stringify(
        {
          machine: { ...machine, loadAvgAtEnd: os.loadavg().map((n) => round(n, 2)) },
          settings,
          validationOnLoad: false,
          totalSeconds,
          loads,
          queries: summary,
          http: { label: `GET /fhir/${httpCase.label}`, bySize: Object.fromEntries(sizes.map((s, i) => [s, hp[i]])) },
          httpBaseline: { label: 'GET /healthz', bySize: Object.fromEntries(sizes.map((s, i) => [s, hz[i]])) },
          medplum: medplum && { size: medplum.size, loadSeconds: medplum.loadSeconds, heapMiB: medplum.heapMiB, queries: medplumRows },
          profiled: Object.keys(profiles),
        },
        (key, value: unknown) => (key === 'totals' ? undefined : value),
        2,
      ),
    );
    console.log(`wrote ${path.relative(ROOT, path.join(RESULTS_DIR, 'search-latest.json'))}`);
  } finally {
    await scratch.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
