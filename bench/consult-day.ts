/**
 * `npm run bench:consult`: issue 8's benchmark, a simulated day of consults on the embedded engine.
 * The app of buildApp (open auth: the operator holds every role) runs in this process on a fresh
 * temp store, behind a real HTTP server on loopback; a keep-alive client drives it:
 *   1. $submit: BENCH_CONSULTS draft consults are created (POST ServiceRequest: the baseline, the
 *      same content without the workflow) and submitted (POST ServiceRequest/[id]/$submit: Task,
 *      submission check, due time, routing among BENCH_SPECIALISTS specialists, Provenances), in
 *      rounds that interleave the two, so both see the same background load;
 *   2. worklists, with every consult open (received): a specialist's open consults sorted by due
 *      time and the overdue list, one query at a time, interleaved with a read by id (the baseline);
 *      target p50 ≤ 10 ms;
 *   3. answers: each consult accepted, put in progress and reported (a final DiagnosticReport by the
 *      owner completes the Task by itself): consults completed per second.
 * The server's clock is simulated: consults are submitted from 00:00 to 20:00 of one day, the
 * worklists are read at 20:00 (stat and asap consults submitted early are overdue), answers come after.
 * Prints the tables with PASS/FAIL (never asserted; the exit code is non-zero only when something
 * broke) and writes bench/results/consult-latest.json. Settings: see readConsultSettings and bench/README.md.
 */
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Bundle, Resource, Task } from '@medplum/fhirtypes';
import { buildApp, prepareStore } from '../src/app';
import { loadConfig } from '../src/config';
import { openStore } from '../src/storage/open';
import type { Store } from '../src/storage/port';
import { finalReport, makeDirectory, planConsult, type PlannedConsult } from './lib/consult-day-data';
import { summarise, type CpuProfile } from './lib/cpuprofile';
import { loadAvg, machineInfo } from './lib/machine';
import { scratchRun } from './lib/scratch';
import { rng } from './lib/search-data';
import { ROOT } from './lib/servers';

const RESULTS = path.join(ROOT, 'bench', 'results');
const BASE_URL = 'http://relay.bench/fhir';
const TASK_CODE = 'http://hl7.org/fhir/CodeSystem/task-code|fulfill';
const OPEN_OWNED = 'received,accepted,in-progress,on-hold';
const OPEN_ALL = `requested,${OPEN_OWNED}`;
/** Issue 8: worklist p50 ≤ 10 ms with 10,000 open consults. */
const TARGET_P50_MS = 10;
const HOUR = 3_600_000;
/** Monday 2 March 2026, 00:00 UTC: submissions until 20:00, worklists at 20:00, answers until midnight. */
const DAY_START = Date.UTC(2026, 2, 2);
const SUBMIT_HOURS = 20;

interface ConsultSettings {
  consults: number;
  specialists: number;
  referrers: number;
  patients: number;
  concurrency: number;
  rounds: number;
  queries: number;
  warmup: number;
  /** Phases to CPU-profile in-process (client and server share the process): submit, worklist, answer. */
  profile: string[];
  /** Experiment: extra indexes created before the run, as collection:field (e.g. Task:sp.due.lo, Task_history:id). */
  indexes: { collection: string; field: string }[];
}

function int(name: string, fallback: number, min: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${raw}: expected an integer ≥ ${min}`);
  return n;
}

function readConsultSettings(): ConsultSettings {
  const consults = int('BENCH_CONSULTS', 10_000, 10);
  const profile = (process.env.BENCH_CONSULT_PROFILE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of profile) if (!['submit', 'worklist', 'answer'].includes(p)) throw new Error(`BENCH_CONSULT_PROFILE=${p}: expected submit, worklist and/or answer`);
  const indexes = (process.env.BENCH_CONSULT_INDEXES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((spec) => {
      const m = /^([A-Za-z_]+):([A-Za-z0-9_.]+)$/.exec(spec);
      if (!m) throw new Error(`BENCH_CONSULT_INDEXES=${spec}: expected collection:field, e.g. Task:sp.due.lo`);
      return { collection: m[1], field: m[2] };
    });
  return {
    consults,
    specialists: int('BENCH_SPECIALISTS', 50, 1),
    referrers: int('BENCH_REFERRERS', 20, 1),
    patients: int('BENCH_CONSULT_PATIENTS', Math.min(2_000, consults), 1),
    concurrency: int('BENCH_CONCURRENCY', 4, 1),
    rounds: Math.min(int('BENCH_ROUNDS', 10, 1), consults),
    queries: int('BENCH_QUERIES', 500, 10),
    warmup: int('BENCH_WARMUP', 50, 0),
    profile,
    indexes,
  };
}

// ---------------------------------------------------------------------------------------------
// Client and figures

interface Answer {
  status: number;
  ms: number;
  json: Record<string, unknown> | undefined;
}

/** A keep-alive HTTP client (at most `connections` sockets); `ms` runs from sending to the last byte of the answer. */
class Client {
  private readonly agent: http.Agent;

  constructor(
    private readonly origin: URL,
    connections: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  send(method: string, pathAndQuery: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = { accept: 'application/fhir+json' };
    if (payload) Object.assign(headers, { 'content-type': 'application/fhir+json', 'content-length': String(payload.length) });
    else if (method !== 'GET') headers['content-length'] = '0';
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request({ agent: this.agent, host: this.origin.hostname, port: this.origin.port, path: `/fhir/${pathAndQuery}`, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => {
          const ms = performance.now() - t0;
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, ms, json });
        });
      });
      req.once('error', reject);
      req.end(payload);
    });
  }

  /** `send`, failing the bench on any other status than `expect`. */
  async expect(status: number, method: string, pathAndQuery: string, body?: unknown): Promise<Answer> {
    const answer = await this.send(method, pathAndQuery, body);
    if (answer.status !== status) throw new Error(`${method} ${pathAndQuery}: HTTP ${answer.status}, expected ${status}: ${JSON.stringify(answer.json)?.slice(0, 600)}`);
    return answer;
  }

  close(): void {
    this.agent.destroy();
  }
}

interface Latency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

function latency(times: number[]): Latency {
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(times.length, 1);
  return { count: times.length, p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), mean: round(mean) };
}

/** Throughput of a timed block: operations, wall seconds, and the process's CPU (client and server) per operation. */
interface Block {
  ops: number;
  seconds: number;
  cpuSeconds: number;
}

const perSecond = (b: Block): number => (b.seconds > 0 ? b.ops / b.seconds : 0);
const cpuUsPerOp = (b: Block): number => (b.ops > 0 ? (b.cpuSeconds / b.ops) * 1e6 : 0);
const addBlocks = (blocks: Block[]): Block => blocks.reduce((a, b) => ({ ops: a.ops + b.ops, seconds: a.seconds + b.seconds, cpuSeconds: a.cpuSeconds + b.cpuSeconds }), { ops: 0, seconds: 0, cpuSeconds: 0 });

/** Runs work(i) for i in [from, to) with at most `concurrency` in flight; returns the wall and CPU time. */
async function timed(from: number, to: number, concurrency: number, work: (i: number) => Promise<void>): Promise<Block> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = from;
  const worker = async () => {
    while (next < to) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { ops: to - from, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** A Markdown table (readable in a terminal, pasteable into bench/README.md). */
function mdTable(head: string[], rows: string[][], right: number[] = []): string {
  const esc = rows.map((r) => r.map((c) => c.replace(/\|/g, '\\|')));
  const widths = head.map((h, i) => Math.max(h.length, ...esc.map((r) => r[i].length)));
  const cell = (c: string, i: number) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (right.includes(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...esc.map(line)].join('\n');
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const mib = (bytes: number): number => Math.round(bytes / 1024 ** 2);

// ---------------------------------------------------------------------------------------------
// Profiling (in-process, through the inspector: the client's share is in the profile too)

async function profiled<R>(name: string, enabled: boolean, work: () => Promise<R>): Promise<{ result: R; summary?: string }> {
  if (!enabled) return { result: await work() };
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const dir = path.join(RESULTS, 'profiles');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `consult-${name}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    return { result, summary: `${path.relative(ROOT, file)}\n${summarise(profile, ROOT, undefined, 30)}` };
  } finally {
    session.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------

/** What the bench keeps of each consult: its ids, owner and due time as $submit answered them, and its Task. */
interface Consult {
  plan: PlannedConsult;
  requestId?: string;
  task?: Task;
  owner?: string;
  dueMs?: number;
}

/** Errors the app logged (a 500's details are only there). */
const errors: Record<string, unknown>[] = [];

const submitAt = (i: number, n: number): number => DAY_START + Math.floor(((i + 0.5) / n) * SUBMIT_HOURS * HOUR);

async function main(): Promise<void> {
  const settings = readConsultSettings();
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const machine = machineInfo();
  const n = settings.consults;
  console.log(`Relay consult-day bench at ${machine.commit}: ${machine.node}, ${machine.cpuModel} × ${machine.cpuCount}, load average ${machine.loadAvgAtStart.join(' ')}`);
  console.log(
    `${fmt(n)} consults, ${settings.specialists} specialists, ${settings.referrers} referrers, ${fmt(settings.patients)} patients; ${settings.concurrency} requests in flight for writes, ${settings.rounds} rounds; worklists: ${settings.queries} queries per kind (+${settings.warmup} warm-up), one at a time`,
  );
  if (machine.loadAvgAtStart[0] > machine.cpuCount * 0.5) console.log(`WARNING: the machine is busy (load average ${machine.loadAvgAtStart[0]}); figures will be noisy`);

  const scratch = await scratchRun('relay-consult-bench-');
  const { dataDir } = scratch;
  let store: Store | undefined;
  let client: Client | undefined;

  const startedAt = performance.now();
  try {
    // ---- Set-up: store, app, server, directory
    store = await openStore({ dataDir, journalCompactBytes: 64 * 1024 * 1024 });
    scratch.parts.store = store;
    await prepareStore(store, { baseUrl: BASE_URL });
    for (const { collection, field } of settings.indexes) await store.collection(collection).createIndex({ [field]: 1 });
    if (settings.indexes.length) console.log(`EXPERIMENT: extra indexes ${settings.indexes.map((x) => `${x.collection}.${x.field}`).join(', ')} (not created by Relay itself)`);
    let simNow = DAY_START;
    // The periodic escalation runs on real time against the simulated clock: off, so that it does not
    // reassign consults (or take CPU) in the middle of a phase.
    const config = loadConfig({ RELAY_DATA_DIR: dataDir, RELAY_BASE_URL: BASE_URL, HOST: '127.0.0.1', PORT: '0', RELAY_ESCALATION_INTERVAL: '0' });
    const app = buildApp({ config, store, clock: () => new Date(simNow), log: (event) => (event.level === 'error' || event.error || event.stack ? errors.push(event) : undefined) });
    const origin = await new Promise<URL>((resolve, reject) => {
      const s = http.createServer(app);
      s.keepAliveTimeout = 15 * 60_000;
      s.listen(0, '127.0.0.1', () => resolve(new URL(`http://127.0.0.1:${(s.address() as { port: number }).port}`)));
      s.once('error', reject);
      scratch.parts.server = s;
    });
    client = new Client(origin, Math.max(settings.concurrency, 1));
    const opened = client;
    scratch.parts.closeClient = () => opened.close();
    const c = client;

    const random = rng(20260302);
    const directory = makeDirectory({ specialists: settings.specialists, referrers: settings.referrers, patients: settings.patients }, random);
    let t0 = performance.now();
    // Practitioners and Organizations before the roles that reference them: PUT in order, 8 at a time within each type.
    const byType = new Map<string, Resource[]>();
    for (const r of directory.resources) byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
    for (const type of ['Organization', 'Practitioner', 'PractitionerRole', 'Patient']) {
      const list = byType.get(type) ?? [];
      await timed(0, list.length, 8, async (i) => {
        await c.expect(201, 'PUT', `${type}/${list[i].id}`, list[i]);
      });
    }
    console.log(`directory: ${fmt(directory.resources.length)} resources in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const consults: Consult[] = Array.from({ length: n }, (_, i) => ({ plan: planConsult(i, directory, random) }));

    // ---- Phase 1: create (baseline) and $submit, interleaved in rounds
    console.log(`\n== Phase 1: ${fmt(n)} drafts created (POST ServiceRequest, the baseline) and submitted ($submit), in ${settings.rounds} rounds`);
    const createTimes: number[] = [];
    const submitTimes: number[] = [];
    const createBlocks: Block[] = [];
    const submitBlocks: Block[] = [];
    const roundRows: string[][] = [];
    const roundFigures: Record<string, unknown>[] = [];
    const submitPhase = async () => {
      for (let r = 0; r < settings.rounds; r++) {
        const from = Math.floor((r * n) / settings.rounds);
        const to = Math.floor(((r + 1) * n) / settings.rounds);
        const creates: number[] = [];
        const cBlock = await timed(from, to, settings.concurrency, async (i) => {
          simNow = submitAt(i, n) - 60_000;
          const answer = await c.expect(201, 'POST', 'ServiceRequest', consults[i].plan.draft);
          consults[i].requestId = answer.json?.id as string;
          creates.push(answer.ms);
        });
        const submits: number[] = [];
        const sBlock = await timed(from, to, settings.concurrency, async (i) => {
          simNow = submitAt(i, n);
          const answer = await c.expect(200, 'POST', `ServiceRequest/${consults[i].requestId}/$submit`);
          submits.push(answer.ms);
          const task = ((answer.json as unknown as Bundle).entry ?? []).map((e) => e.resource).find((x): x is Task => x?.resourceType === 'Task');
          const owner = task?.owner?.reference;
          if (task?.status !== 'received' || !owner?.startsWith('PractitionerRole/spec-')) throw new Error(`$submit of ServiceRequest/${consults[i].requestId} left its Task ${task?.status} with owner ${owner}: not routed to a specialist`);
          consults[i] = { ...consults[i], task, owner, dueMs: Date.parse(task.restriction?.period?.end as string) };
        });
        createTimes.push(...creates);
        submitTimes.push(...submits);
        createBlocks.push(cBlock);
        submitBlocks.push(sBlock);
        const cl = latency(creates);
        const sl = latency(submits);
        const ratio = perSecond(sBlock) / perSecond(cBlock);
        roundRows.push([String(r + 1), fmt(to), fmt(perSecond(cBlock), 1), ms(cl.p50), fmt(cpuUsPerOp(cBlock)), fmt(perSecond(sBlock), 1), ms(sl.p50), ms(sl.p90), fmt(cpuUsPerOp(sBlock)), `${(ratio * 100).toFixed(1)}%`]);
        roundFigures.push({
          round: r + 1,
          openAfter: to,
          create: { perSecond: round(perSecond(cBlock), 1), cpuUsPerOp: Math.round(cpuUsPerOp(cBlock)), ...cl },
          submit: { perSecond: round(perSecond(sBlock), 1), cpuUsPerOp: Math.round(cpuUsPerOp(sBlock)), ...sl },
          ratio: round(ratio, 4),
          loadAvg: loadAvg()[0],
        });
        console.log(
          `  round ${r + 1}: ${fmt(to)} open; create ${fmt(perSecond(cBlock), 1)}/s p50 ${ms(cl.p50)} ms ${fmt(cpuUsPerOp(cBlock))} µs CPU; ` +
            `$submit ${fmt(perSecond(sBlock), 1)}/s p50 ${ms(sl.p50)} p90 ${ms(sl.p90)} ms ${fmt(cpuUsPerOp(sBlock))} µs CPU (${(ratio * 100).toFixed(1)}% of create); load ${loadAvg()[0]}`,
        );
      }
    };
    const submitProfile = await profiled('submit', settings.profile.includes('submit'), submitPhase);

    const create = addBlocks(createBlocks);
    const submit = addBlocks(submitBlocks);
    const createLat = latency(createTimes);
    const submitLat = latency(submitTimes);
    const loads = new Map<string, number>();
    for (const x of consults) loads.set(x.owner as string, (loads.get(x.owner as string) ?? 0) + 1);
    const perOwner = [...loads.values()].sort((a, b) => a - b);

    // ---- Phase 2: worklists with every consult open
    simNow = DAY_START + SUBMIT_HOURS * HOUR;
    const nowIso = new Date(simNow).toISOString();
    const overdueExpected = consults.filter((x) => (x.dueMs as number) < simNow).length;
    t0 = performance.now();
    await (store as Store & { compacted?: () => Promise<void> }).compacted?.();
    const compactionWait = (performance.now() - t0) / 1000;
    gc();
    const memAfterSubmit = process.memoryUsage();
    console.log(
      `\n== Phase 2: worklists at ${nowIso} with ${fmt(n)} open consults (${fmt(overdueExpected)} overdue) over ${loads.size} owners (${perOwner[0]}–${perOwner[perOwner.length - 1]} each); ` +
        `journal compaction wait ${compactionWait.toFixed(1)} s; heap after GC ${mib(memAfterSubmit.heapUsed)} MiB, rss ${mib(memAfterSubmit.rss)} MiB`,
    );
    const qRandom = rng(7);
    const owners = [...loads.keys()];
    const kinds = {
      read: {
        label: 'GET Task/[id] (baseline)',
        run: async () => {
          const x = consults[Math.floor(qRandom() * n)];
          await c.expect(200, 'GET', `Task/${x.task?.id}`);
        },
      },
      owner: {
        label: `GET Task?owner=PractitionerRole/[id]&status=${OPEN_OWNED}&_sort=due&_count=20`,
        run: async () => {
          const owner = owners[Math.floor(qRandom() * owners.length)];
          const answer = await c.expect(200, 'GET', `Task?owner=${owner}&status=${OPEN_OWNED}&_sort=due&_count=20`);
          const bundle = answer.json as unknown as Bundle<Task>;
          const due = (bundle.entry ?? []).map((e) => Date.parse(e.resource?.restriction?.period?.end ?? ''));
          if (bundle.total !== loads.get(owner) || (bundle.entry ?? []).length !== Math.min(20, loads.get(owner) as number) || due.some((d, i) => i > 0 && d < due[i - 1])) {
            throw new Error(`owner worklist of ${owner}: total ${bundle.total} (expected ${loads.get(owner)}), ${bundle.entry?.length} entries, due ${due.join(',')}`);
          }
          return answer;
        },
      },
      overdue: {
        label: `GET Task?code=…|fulfill&status=${OPEN_ALL}&due=lt[now]&_count=20`,
        run: async () => {
          const answer = await c.expect(200, 'GET', `Task?code=${encodeURIComponent(TASK_CODE)}&status=${OPEN_ALL}&due=lt${encodeURIComponent(nowIso)}&_count=20`);
          const bundle = answer.json as unknown as Bundle<Task>;
          if (bundle.total !== overdueExpected || (bundle.entry ?? []).some((e) => Date.parse(e.resource?.restriction?.period?.end ?? '') >= simNow)) {
            throw new Error(`overdue worklist: total ${bundle.total} (expected ${overdueExpected})`);
          }
          return answer;
        },
      },
      overdueNoTotal: {
        label: `the same with _total=none (diagnostic: the page without the count)`,
        run: async () => {
          const answer = await c.expect(200, 'GET', `Task?code=${encodeURIComponent(TASK_CODE)}&status=${OPEN_ALL}&due=lt${encodeURIComponent(nowIso)}&_count=20&_total=none`);
          const entries = (answer.json as unknown as Bundle<Task>).entry ?? [];
          if (entries.length !== Math.min(20, overdueExpected)) throw new Error(`overdue worklist (_total=none): ${entries.length} entries`);
          return answer;
        },
      },
    };
    type Kind = keyof typeof kinds;
    const order: Kind[] = ['read', 'owner', 'overdue', 'overdueNoTotal'];
    const times: Record<Kind, number[]> = { read: [], owner: [], overdue: [], overdueNoTotal: [] };
    const worklistPhase = async () => {
      for (let q = 0; q < settings.warmup + settings.queries; q++) {
        // Rotate which kind goes first, so none always follows the same one.
        for (let k = 0; k < order.length; k++) {
          const kind = order[(q + k) % order.length];
          const t = performance.now();
          await kinds[kind].run();
          if (q >= settings.warmup) times[kind].push(performance.now() - t);
        }
      }
    };
    const worklistProfile = await profiled('worklist', settings.profile.includes('worklist'), worklistPhase);
    const worklist = Object.fromEntries(order.map((k) => [k, latency(times[k])])) as Record<Kind, Latency>;
    const qps = (l: Latency) => (l.mean > 0 ? 1000 / l.mean : 0);
    for (const k of order) console.log(`  ${kinds[k].label.padEnd(100)} p50 ${ms(worklist[k].p50).padStart(6)} ms  p90 ${ms(worklist[k].p90).padStart(6)} ms  ${fmt(qps(worklist[k]), 0)}/s`);

    // ---- Phase 3: accept, in-progress, final report (completes the Task by itself)
    console.log(`\n== Phase 3: ${fmt(n)} consults accepted, in progress and reported by their owners`);
    const stepTimes = { accept: [] as number[], start: [] as number[], report: [] as number[] };
    const answerPhase = () =>
      timed(0, n, settings.concurrency, async (i) => {
        simNow = DAY_START + SUBMIT_HOURS * HOUR + Math.floor(((i + 0.5) / n) * 4 * HOUR);
        const x = consults[i];
        let answer = await c.expect(200, 'PUT', `Task/${x.task?.id}`, { ...x.task, status: 'accepted' });
        stepTimes.accept.push(answer.ms);
        answer = await c.expect(200, 'PUT', `Task/${x.task?.id}`, { ...(answer.json as unknown as Task), status: 'in-progress' });
        stepTimes.start.push(answer.ms);
        answer = await c.expect(201, 'POST', 'DiagnosticReport', finalReport(x.requestId as string, x.plan.draft.subject?.reference as string, x.owner as string));
        stepTimes.report.push(answer.ms);
      });
    const answerRun = await profiled('answer', settings.profile.includes('answer'), answerPhase);
    const answered = answerRun.result;
    const completed = (await c.expect(200, 'GET', `Task?code=${encodeURIComponent(TASK_CODE)}&status=completed&_summary=count`)).json?.total;
    const stillOpen = (await c.expect(200, 'GET', `Task?code=${encodeURIComponent(TASK_CODE)}&status=${OPEN_ALL}&_summary=count`)).json?.total;
    if (completed !== n || stillOpen !== 0) throw new Error(`after the answers: ${completed} completed Tasks (expected ${n}), ${stillOpen} still open`);
    const stepLat = { accept: latency(stepTimes.accept), start: latency(stepTimes.start), report: latency(stepTimes.report) };
    console.log(
      `  ${fmt(perSecond(answered), 1)} consults completed/s (${fmt(perSecond(answered) * 3, 1)} requests/s); p50 accept ${ms(stepLat.accept.p50)}, in-progress ${ms(stepLat.start.p50)}, report ${ms(stepLat.report.p50)} ms; all ${fmt(n)} Tasks completed`,
    );
    gc();
    const memEnd = process.memoryUsage();

    // ---- Summary
    const submitRatio = perSecond(submit) / perSecond(create);
    console.log(`\n## $submit (phase 1, ${settings.concurrency} in flight; CPU is this process's: client and server)\n`);
    console.log(
      mdTable(
        ['case', 'count', 'per s', 'p50 ms', 'p90 ms', 'p99 ms', 'CPU µs/op', 'vs baseline'],
        [
          ['POST ServiceRequest (draft; baseline)', fmt(create.ops), fmt(perSecond(create), 1), ms(createLat.p50), ms(createLat.p90), ms(createLat.p99), fmt(cpuUsPerOp(create)), '(baseline)'],
          ['POST ServiceRequest/[id]/$submit', fmt(submit.ops), fmt(perSecond(submit), 1), ms(submitLat.p50), ms(submitLat.p90), ms(submitLat.p99), fmt(cpuUsPerOp(submit)), `${(submitRatio * 100).toFixed(1)}% of create's throughput`],
        ],
        [1, 2, 3, 4, 5, 6],
      ),
    );
    console.log(`\nBy round (the open consults routing counts grow by ${fmt(Math.round(n / settings.rounds))} each round):\n`);
    console.log(mdTable(['round', 'open after', 'create/s', 'create p50 ms', 'create CPU µs', '$submit/s', '$submit p50 ms', '$submit p90 ms', '$submit CPU µs', '$submit ÷ create'], roundRows, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));

    console.log(`\n## Worklists (phase 2, ${fmt(n)} open consults, one query at a time, ${settings.queries} each)\n`);
    const readP50 = worklist.read.p50;
    const rows = order.map((k) => {
      const l = worklist[k];
      const target = k === 'owner' || k === 'overdue' ? `≤ ${TARGET_P50_MS} ms: ${l.p50 <= TARGET_P50_MS ? 'PASS' : 'FAIL'}` : '';
      return [kinds[k].label, ms(l.p50), ms(l.p90), ms(l.p99), fmt(qps(l), 0), k === 'read' ? '(baseline)' : `${(l.p50 / readP50).toFixed(1)}× read`, target];
    });
    console.log(mdTable(['query', 'p50 ms', 'p90 ms', 'p99 ms', 'queries/s', 'p50 vs read', 'target'], rows, [1, 2, 3, 4]));

    console.log(`\n## Answers (phase 3, ${settings.concurrency} consults in flight)\n`);
    console.log(
      mdTable(
        ['case', 'consults/s', 'requests/s', 'p50 accept ms', 'p50 in-progress ms', 'p50 report ms', 'p90 report ms', 'CPU µs/consult'],
        [['accept + in-progress + final report', fmt(perSecond(answered), 1), fmt(perSecond(answered) * 3, 1), ms(stepLat.accept.p50), ms(stepLat.start.p50), ms(stepLat.report.p50), ms(stepLat.report.p90), fmt(cpuUsPerOp(answered))]],
        [1, 2, 3, 4, 5, 6, 7],
      ),
    );

    for (const [name, p] of [
      ['submit', submitProfile.summary],
      ['worklist', worklistProfile.summary],
      ['answer', answerRun.summary],
    ] as const) {
      if (p) console.log(`\n## CPU profile of the ${name} phase\n\n${p}`);
    }
    if (errors.length) console.log(`\n${errors.length} errors logged by the app; first: ${JSON.stringify(errors[0]).slice(0, 1000)}`);

    const totalSeconds = round((performance.now() - startedAt) / 1000, 1);
    const loadEnd = loadAvg();
    console.log(`\ntotal ${totalSeconds} s; heap after GC ${mib(memEnd.heapUsed)} MiB, rss ${mib(memEnd.rss)} MiB; load average at the start ${machine.loadAvgAtStart.join(' ')}, at the end ${loadEnd.join(' ')}`);
    await mkdir(RESULTS, { recursive: true });
    const file = path.join(RESULTS, 'consult-latest.json');
    await writeFile(
      file,
      `${JSON.stringify(
        {
          machine: { ...machine, loadAvgAtEnd: loadEnd },
          settings,
          totalSeconds,
          submit: {
            create: { perSecond: round(perSecond(create), 1), cpuUsPerOp: Math.round(cpuUsPerOp(create)), ...createLat },
            submit: { perSecond: round(perSecond(submit), 1), cpuUsPerOp: Math.round(cpuUsPerOp(submit)), ...submitLat },
            ratio: round(submitRatio, 4),
            rounds: roundFigures,
            consultsPerOwner: { owners: loads.size, min: perOwner[0], max: perOwner[perOwner.length - 1] },
          },
          worklists: { now: nowIso, overdue: overdueExpected, targetP50Ms: TARGET_P50_MS, ...Object.fromEntries(order.map((k) => [k, { label: kinds[k].label, ...worklist[k], perSecond: round(qps(worklist[k]), 1) }])) },
          answers: { perSecond: round(perSecond(answered), 1), cpuUsPerConsult: Math.round(cpuUsPerOp(answered)), accept: stepLat.accept, inProgress: stepLat.start, report: stepLat.report },
          memory: { afterSubmitHeapMiB: mib(memAfterSubmit.heapUsed), afterSubmitRssMiB: mib(memAfterSubmit.rss), endHeapMiB: mib(memEnd.heapUsed), endRssMiB: mib(memEnd.rss) },
          errorsLogged: errors.length,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${path.relative(ROOT, file)}`);
  } finally {
    await scratch.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  for (const e of errors.slice(0, 3)) console.error(`logged by the app: ${JSON.stringify(e).slice(0, 2000)}`);
  process.exitCode = 1;
});
