/**
 * `npm run bench:transaction`: issue 4's benchmark. Relay runs as a child process (embedded engine, fresh
 * temp data dir, validation on, NODE_ENV=production) and is driven over loopback HTTP from this process.
 *
 * 1. Throughput: a ~1,000-entry transaction of one patient's history (mixed types, urn:uuid references),
 *    against the same number of resources of the same mix as single POST /fhir/[type] requests, on one
 *    keep-alive connection and on BENCH_TX_CONNECTIONS. Interleaved in rounds, each with fresh bundles;
 *    compared on Relay's CPU time per resource (from /proc) and wall time per resource.
 * 2. Memory: one ~50 MB transaction (patient histories with inline consult photos) POSTed to a freshly
 *    started Relay while its VmRSS is sampled; the growth over the idle RSS is judged against 4× the
 *    bundle's size, and the absolute peak is printed beside it.
 *
 * Prints tables, writes bench/results/transaction-latest.json. Exits non-zero only when something broke
 * (a server did not start, a request failed, a check failed), never for a missed target.
 */
import { loadAvg, machineInfo } from './lib/machine';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { generatePatientBundle } from '../test/helpers/patient-bundle';
import { ROOT, withServers, type Running } from './lib/servers';
import { request } from './lib/fhir-client';
import { cpuSeconds } from './lib/proc';
import { KeepAliveClient, type Posted } from './lib/http-post';
import { runSingleCreates } from './lib/single-creates';
import { asSingleCreates, bigBundle, dropForwardReferences, sizedPatientBundle, type BigBundle } from './lib/tx-data';
import { resident, RssSampler } from './lib/memory';
import { round } from './lib/load';
import { fmt, mdTable, memoryRow, mib, throughputTable, totals, type CaseTotals, type Measured } from './lib/tx-report';

const RESULTS = path.join(ROOT, 'bench', 'results', 'transaction-latest.json');
/** Issue 4: a transaction must cost less per resource than single creates; the import's memory under 4× the bundle. */
const TARGETS = { costRatio: 1, memoryRatio: 4 } as const;

interface TxSettings {
  rounds: number;
  warmupRounds: number;
  entries: number;
  connections: number;
  bigMiB: number;
  photoKiB: number;
  sampleMs: number;
  bigPrefer: string;
  seed: number;
  /** Extra node flags for Relay (both servers), e.g. a V8 heap-growth setting to compare. */
  nodeArgs: string[];
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${raw}: expected an integer ≥ ${min}`);
  return n;
}

function readTxSettings(env: NodeJS.ProcessEnv): TxSettings {
  return {
    rounds: intFrom(env, 'BENCH_TX_ROUNDS', 3, 1),
    warmupRounds: intFrom(env, 'BENCH_TX_WARMUP', 1, 0),
    entries: intFrom(env, 'BENCH_TX_ENTRIES', 1000, 30),
    connections: intFrom(env, 'BENCH_TX_CONNECTIONS', 10, 2),
    bigMiB: intFrom(env, 'BENCH_TX_BIG_MB', 50, 0),
    photoKiB: intFrom(env, 'BENCH_TX_BIG_PHOTO_KB', 160, 0),
    sampleMs: intFrom(env, 'BENCH_TX_SAMPLE_MS', 10, 1),
    bigPrefer: env.BENCH_TX_BIG_PREFER?.trim() ?? '',
    seed: intFrom(env, 'BENCH_TX_SEED', 4000, 0),
    nodeArgs: env.BENCH_TX_NODE_ARGS?.trim().split(/\s+/).filter(Boolean) ?? [],
  };
}

/** How long the memory case keeps sampling after the response. */
const AFTER_MS = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type CaseKey = 'transaction' | 'single1' | 'singleN';
const CASES: readonly CaseKey[] = ['transaction', 'single1', 'singleN'];

/** Checks a transaction-response: 200, one entry per request entry, every one 201. Returns the entry count. */
function checkTransactionResponse(res: Posted, expected: number, what: string): number {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 600)}`);
  const bundle = JSON.parse(res.body.toString('utf8')) as Bundle;
  const entries = bundle.entry ?? [];
  const created = entries.filter((e) => e.response?.status?.startsWith('201')).length;
  if (bundle.type !== 'transaction-response' || entries.length !== expected || created !== expected) {
    throw new Error(`${what}: expected ${expected} entries answering 201, got ${bundle.type} with ${entries.length} entries, ${created} of them 201`);
  }
  return created;
}

/** One timed run of one case with fresh data (seed and key unique to the round and case). */
async function runCase(key: CaseKey, label: string, seed: number, settings: TxSettings, { relayUrl, relay }: Running): Promise<Measured> {
  const generated = sizedPatientBundle(seed, `tx-${label}-${key}`, settings.entries);
  const entries = generated.bundle.entry;
  dropForwardReferences(entries);
  const connections = key === 'singleN' ? settings.connections : 1;
  const client = new KeepAliveClient(relayUrl, connections);
  try {
    if (key === 'transaction') {
      const body = Buffer.from(JSON.stringify(generated.bundle), 'utf8');
      const cpu0 = cpuSeconds(relay.pid);
      const t0 = performance.now();
      const res = await client.post('/fhir', body);
      const wallMs = performance.now() - t0;
      const cpu1 = cpuSeconds(relay.pid);
      checkTransactionResponse(res, entries.length, `transaction ${label}`);
      return { resources: entries.length, wallMs, cpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0, sockets: client.sockets };
    }
    const creates = asSingleCreates(entries);
    const cpu0 = cpuSeconds(relay.pid);
    const t0 = performance.now();
    const ids = await runSingleCreates(client, creates, connections);
    const wallMs = performance.now() - t0;
    const cpu1 = cpuSeconds(relay.pid);
    if (ids.length !== entries.length || ids.some((id) => !id)) throw new Error(`single creates ${label}: ${ids.filter(Boolean).length} of ${entries.length} created`);
    return { resources: entries.length, wallMs, cpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0, sockets: client.sockets };
  } finally {
    client.close();
  }
}

const CASE_NAMES = (settings: TxSettings): Record<CaseKey, string> => ({
  transaction: 'transaction',
  single1: 'single creates, 1 connection',
  singleN: `single creates, ${settings.connections} connections`,
});

async function throughput(settings: TxSettings, running: Running) {
  const { relayUrl, relay } = running;
  console.log(`\n## Throughput — Relay pid ${relay.pid}: ${relay.readyLine}`);
  // Validation is on: an invalid Patient is refused, alone and inside a transaction.
  const bad = { resourceType: 'Patient', gender: 'not-a-gender', birthDate: '1980-13-45' };
  const single = await request('POST', `${relayUrl}/fhir/Patient`, bad);
  const inTx = await request('POST', `${relayUrl}/fhir`, { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Patient' }, resource: bad }] });
  const validates = single.status === 400 && inTx.status === 400;
  if (!validates) throw new Error(`Relay accepted an invalid Patient (single create HTTP ${single.status}, transaction HTTP ${inTx.status}): validation is off`);

  const names = CASE_NAMES(settings);
  const runs: Record<CaseKey, Measured[]> = { transaction: [], single1: [], singleN: [] };
  const perRound: { round: number; order: CaseKey[]; ratio1?: number; ratioN?: number }[] = [];
  const cpuPerResource = (m: Measured) => (m.cpuSeconds === undefined ? undefined : (m.cpuSeconds / m.resources) * 1e6);
  for (let r = 1 - settings.warmupRounds; r <= settings.rounds; r++) {
    const warm = r < 1;
    // Rotate the order each round, so no case always runs first (or on the largest store).
    const start = (r - 1 + settings.rounds * 3) % 3;
    const order = [...CASES.slice(start), ...CASES.slice(0, start)];
    const measured: Partial<Record<CaseKey, Measured>> = {};
    for (const key of order) {
      const label = warm ? `w${1 - r}` : `r${r}`;
      const m = await runCase(key, label, settings.seed + (r + settings.warmupRounds) * 10 + CASES.indexOf(key), settings, running);
      measured[key] = m;
      if (!warm) runs[key].push(m);
    }
    const line = order
      .map((k) => {
        const m = measured[k] as Measured;
        const cpu = cpuPerResource(m);
        return `${names[k]}: ${m.resources} in ${fmt(m.wallMs)} ms (${fmt((m.resources / m.wallMs) * 1000)}/s${cpu === undefined ? '' : `, ${fmt(cpu)} µs CPU/resource`})`;
      })
      .join('; ');
    console.log(`${warm ? 'warm-up' : `round ${r}/${settings.rounds}`}: ${line}`);
    if (!warm) {
      const [t, s1, sN] = CASES.map((k) => cpuPerResource(measured[k] as Measured));
      perRound.push({ round: r, order, ...(t && s1 ? { ratio1: round(t / s1, 3) } : {}), ...(t && sN ? { ratioN: round(t / sN, 3) } : {}) });
    }
  }
  const cases = Object.fromEntries(CASES.map((k) => [k, totals(names[k], runs[k])])) as Record<CaseKey, CaseTotals>;
  return { validates, cases, perRound };
}

function judgeThroughput(cases: Record<CaseKey, CaseTotals>) {
  const t = cases.transaction;
  const singles = [cases.single1, cases.singleN];
  // Judged against the cheaper of the two single-create cases (the stricter comparison).
  const base = singles.every((s) => s.cpuUsPerResource !== undefined)
    ? singles.reduce((a, b) => ((a.cpuUsPerResource as number) <= (b.cpuUsPerResource as number) ? a : b))
    : undefined;
  const cpuRatio = base && t.cpuUsPerResource !== undefined ? round(t.cpuUsPerResource / (base.cpuUsPerResource as number), 3) : undefined;
  const wallBase = singles.reduce((a, b) => (a.wallMsPerResource <= b.wallMsPerResource ? a : b));
  const wallRatio = round(t.wallMsPerResource / wallBase.wallMsPerResource, 3);
  return { against: base?.name, cpuRatio, wallAgainst: wallBase.name, wallRatio, target: TARGETS.costRatio, pass: cpuRatio === undefined ? undefined : cpuRatio < TARGETS.costRatio };
}

async function memory(settings: TxSettings, big: BigBundle, running: Running) {
  const { relayUrl, relay } = running;
  console.log(`\n## Memory — a fresh Relay, pid ${relay.pid}: ${relay.readyLine}`);
  // A small transaction first, so start-up work done lazily on first use (definitions, JIT) is not counted as the import's.
  const warm = generatePatientBundle({ seed: settings.seed - 1, key: 'mem-warm-up', encounters: 3 });
  const client = new KeepAliveClient(relayUrl, 1);
  try {
    checkTransactionResponse(await client.post('/fhir', JSON.stringify(warm.bundle)), warm.bundle.entry.length, 'warm-up transaction');
    await sleep(1000);
    const before = resident(relay.pid);
    if (!before) throw new Error(`cannot read /proc/${relay.pid}/status (the memory case needs Linux)`);
    const sampler = new RssSampler(relay.pid, settings.sampleMs);
    const cpu0 = cpuSeconds(relay.pid);
    const t0 = performance.now();
    const res = await client.post('/fhir', big.body, settings.bigPrefer ? { prefer: settings.bigPrefer } : {});
    const wallMs = performance.now() - t0;
    const atResponse = resident(relay.pid) as { rss: number; hwm: number };
    const cpu1 = cpuSeconds(relay.pid);
    const sampledPeakKiB = sampler.peakKiB;
    // VmHWM catches a peak between two samples, but it also remembers start-up: use it only if the import raised it.
    const peakKiB = atResponse.hwm > before.hwm ? Math.max(sampledPeakKiB, atResponse.hwm) : sampledPeakKiB;
    // Keep sampling a while: work the import started in the background (a journal compaction) shows here.
    await sleep(AFTER_MS);
    const afterPeakKiB = Math.max(sampler.stop(), resident(relay.pid)?.hwm ?? 0);
    const after = resident(relay.pid) as { rss: number; hwm: number };
    const minimal = /return=minimal/.test(settings.bigPrefer);
    let created = big.entries;
    if (minimal) {
      if (res.status !== 200) throw new Error(`large transaction: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 600)}`);
    } else created = checkTransactionResponse(res, big.entries, 'large transaction');
    const responseBytes = res.body.length;
    // Count what is stored: the warm-up's resources plus the import's, type by type.
    const expected: Record<string, number> = { ...big.counts };
    for (const [type, n] of Object.entries(warm.counts)) expected[type] = (expected[type] ?? 0) + n;
    let stored = 0;
    for (const [type, n] of Object.entries(expected)) {
      const count = await request('GET', `${relayUrl}/fhir/${type}?_summary=count`);
      const total = count.json?.total;
      if (count.status !== 200 || total !== n) throw new Error(`after the import ${type}?_summary=count answered ${count.status} total ${String(total)}, expected ${n}`);
      stored += n;
    }
    const bytes = big.body.length;
    const kib = 1024;
    return {
      bundleBytes: bytes,
      entries: big.entries,
      patients: big.patients,
      photos: big.photos,
      photoBytes: big.photoBytes,
      prefer: settings.bigPrefer || '(none)',
      status: res.status,
      created,
      storedAfter: stored,
      responseBytes,
      wallMs: round(wallMs, 1),
      cpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : round(cpu1 - cpu0, 2),
      rssBeforeBytes: before.rss * kib,
      hwmBeforeBytes: before.hwm * kib,
      sampledPeakBytes: sampledPeakKiB * kib,
      hwmAtResponseBytes: atResponse.hwm * kib,
      peakBytes: peakKiB * kib,
      peakWithAfterBytes: afterPeakKiB * kib,
      peakAtMs: round(sampler.peakAtMs, 0),
      growthBytes: (peakKiB - before.rss) * kib,
      rssAfterBytes: after.rss * kib,
      samples: sampler.samples,
      trace: sampler.trace,
      peakRatio: round((peakKiB * kib) / bytes, 3),
      growthRatio: round(((peakKiB - before.rss) * kib) / bytes, 3),
      target: TARGETS.memoryRatio,
      pass: ((peakKiB - before.rss) * kib) / bytes < TARGETS.memoryRatio,
    };
  } finally {
    client.close();
  }
}

type MemoryFigures = Awaited<ReturnType<typeof memory>>;

function printMemory(m: MemoryFigures, settings: TxSettings): void {
  const b = m.bundleBytes;
  const verdict = `< ${m.target}×: ${m.pass ? 'PASS' : 'FAIL'}`;
  const rows = [
    memoryRow(`transaction Bundle: ${fmt(m.entries)} entries, ${m.patients} patients, ${m.photos} photos (${fmt(mib(m.photoBytes), 1)} MiB base64)`, b, b),
    memoryRow('RSS before the import (idle, after a small warm-up transaction)', m.rssBeforeBytes, b),
    memoryRow(`peak RSS during the import (sampled every ${settings.sampleMs} ms, or VmHWM if higher)`, m.peakBytes, b),
    memoryRow('growth attributable to the import (peak − before): the target', m.growthBytes, b, verdict),
    memoryRow(`peak RSS including ${AFTER_MS / 1000} s after the response (background work the import started)`, m.peakWithAfterBytes, b),
    memoryRow(`RSS ${AFTER_MS / 1000} s after the response`, m.rssAfterBytes, b),
  ];
  console.log(`\n${mdTable(['memory', 'MiB', '× bundle', 'target'], rows, [1, 2])}\n`);
  console.log(
    `import: HTTP ${m.status}, ${fmt(m.created)} entries 201, ${fmt(m.storedAfter)} resources stored afterwards (warm-up included); ` +
      `${fmt(m.wallMs / 1000, 1)} s (${fmt((m.entries / m.wallMs) * 1000)} resources/s, ${fmt(mib(b) / (m.wallMs / 1000), 1)} MiB/s)` +
      `${m.cpuSeconds === undefined ? '' : `, ${fmt(m.cpuSeconds, 1)} s of Relay CPU`}; response ${fmt(mib(m.responseBytes), 1)} MiB; Prefer ${m.prefer}`,
  );
  console.log(
    `highest sample at ${fmt(m.peakAtMs / 1000, 2)} s (response at ${fmt(m.wallMs / 1000, 2)} s); ${m.samples} samples; VmHWM before ${fmt(mib(m.hwmBeforeBytes))} MiB, at the response ${fmt(mib(m.hwmAtResponseBytes))} MiB; ` +
      `absolute peak ${m.peakRatio.toFixed(2)}× the bundle`,
  );
  const stride = Math.max(1, Math.ceil(m.trace.length / 40));
  console.log(`RSS trace (s: MiB): ${m.trace.filter((_, i) => i % stride === 0).map(([t, k]) => `${(t / 1000).toFixed(1)}: ${Math.round(k / 1024)}`).join(', ')}`);
}

async function main(): Promise<void> {
  const settings = readTxSettings(process.env);
  const info = machineInfo();
  console.log(`Relay transaction bench — ${info.date}`);
  console.log(`Node ${info.node}; ${info.cpuModel} × ${info.cpuCount}; ${info.platform}; ${info.memoryGiB} GiB`);
  console.log(
    `throughput: ~${settings.entries} entries per case, ${settings.rounds} round(s) after ${settings.warmupRounds} warm-up round(s), ${settings.connections} connections for the concurrent case; ` +
      `memory: ${settings.bigMiB ? `~${settings.bigMiB} MiB transaction, photos ~${settings.photoKiB} KiB` : 'skipped (BENCH_TX_BIG_MB=0)'}`,
  );
  if (settings.nodeArgs.length > 0) console.log(`Relay's extra node flags (BENCH_TX_NODE_ARGS): ${settings.nodeArgs.join(' ')}`);
  console.log(`load average before start: ${info.loadAvgAtStart.join(' / ')} (1/5/15 min)`);
  if (info.loadAvgAtStart[0] > info.cpuCount / 2) console.log('WARNING: other processes are busy on this machine; wall times will be noisy (CPU per resource less so)');

  const relayEnv = { RELAY_MAX_BODY: '128mb', RELAY_BUNDLE_MAX_ENTRIES: String(Math.max(10_000, settings.entries * 2)) };
  const tp = await withServers({ raw: false, relayEnv, relayNodeArgs: settings.nodeArgs }, (running) => throughput(settings, running));
  const verdict = judgeThroughput(tp.cases);
  const caseList = CASES.map((k) => tp.cases[k]);
  console.log(`\n${throughputTable(caseList, tp.cases.transaction)}\n`);
  console.log(
    `transaction cost per resource ÷ single-create cost per resource (server CPU, against the cheaper case: ${verdict.against ?? 'n/a'}): ` +
      `${verdict.cpuRatio === undefined ? 'n/a (no /proc)' : `${verdict.cpuRatio.toFixed(3)} → < ${verdict.target}: ${verdict.pass ? 'PASS' : 'FAIL'}`}`,
  );
  console.log(`wall time per resource, transaction ÷ ${verdict.wallAgainst}: ${verdict.wallRatio.toFixed(3)}`);
  const list = (xs: (number | undefined)[]) => xs.map((x) => (x === undefined ? 'n/a' : x.toFixed(3))).join(', ');
  console.log(`CPU ratio per round: vs 1 connection ${list(tp.perRound.map((r) => r.ratio1))}; vs ${settings.connections} connections ${list(tp.perRound.map((r) => r.ratioN))}`);

  let mem: MemoryFigures | undefined;
  if (settings.bigMiB > 0 && resident(process.pid) === undefined) console.log('\nmemory case skipped: it reads /proc/<pid>/status (Linux only)');
  else if (settings.bigMiB > 0) {
    const t0 = performance.now();
    const big = bigBundle(settings.bigMiB * 1024 ** 2, settings.photoKiB, settings.seed + 1000);
    console.log(`\ngenerated the large transaction in ${fmt((performance.now() - t0) / 1000, 1)} s: ${fmt(mib(big.body.length), 1)} MiB, ${fmt(big.entries)} entries`);
    const bigEnv = {
      RELAY_MAX_BODY: `${Math.max(128, Math.ceil(mib(big.body.length) * 2))}mb`,
      RELAY_BUNDLE_MAX_ENTRIES: String(Math.max(10_000, big.entries)),
    };
    mem = await withServers({ raw: false, relayEnv: bigEnv, relayNodeArgs: settings.nodeArgs }, (running) => memory(settings, big, running));
    printMemory(mem, settings);
  }

  const loadAvgAtEnd = loadAvg();
  console.log(`load average at the end: ${loadAvgAtEnd.join(' / ')}`);
  const summary = {
    ...info,
    loadAvgAtEnd,
    settings,
    relay: { engine: 'embedded', validatesOnWrite: tp.validates, env: relayEnv },
    throughput: { cases: tp.cases, perRound: tp.perRound, verdict },
    memory: mem,
    targets: {
      costPerResource: { ratio: verdict.cpuRatio, against: verdict.against, target: TARGETS.costRatio, pass: verdict.pass },
      memory: mem ? { growthRatio: mem.growthRatio, peakRatio: mem.peakRatio, target: TARGETS.memoryRatio, judgedOn: 'growth (peak − before)', pass: mem.pass } : undefined,
    },
  };
  await mkdir(path.dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`summary written to ${path.relative(ROOT, RESULTS)}`);
}

main().catch((err: unknown) => {
  console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
