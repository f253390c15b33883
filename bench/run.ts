/**
 * `npm run bench`: Relay (embedded engine, fresh temp data dir) against a raw Express 5 baseline, both as
 * child processes, driven by autocannon from this process on loopback. Prints a table and writes
 * bench/results/latest.json. Exits non-zero only when something broke, never for a missed target.
 *
 * Each case runs BENCH_SECONDS in total, split over BENCH_ROUNDS rounds that interleave the cases (each
 * baseline right before the Relay cases compared with it), so background load hits both sides alike.
 * Settings: BENCH_SECONDS (10), BENCH_ROUNDS (3), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (10),
 * BENCH_PATIENTS (1000), BENCH_RELAY_ENTRY (src/main.ts, run with `node --import tsx`).
 */
import { loadAvg, machineInfo, type MachineInfo } from './lib/machine';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, withServers, type Running } from './lib/servers';
import { request, seed } from './lib/fhir-client';
import { buildCases, ORDER, type CaseKey } from './lib/cases';
import { makePatient } from './lib/patient';
import { combine, measureSlice, sliceRate, warmUp, type CaseFigures, type Slice } from './lib/load';
import { compare, pct, table, type Row } from './lib/report';
import { readSettings, type Settings } from './lib/settings';

const RESULTS = path.join(ROOT, 'bench', 'results', 'latest.json');
const TARGETS = { read: 0.5, create: 0.25 } as const;


async function bench(settings: Settings, info: MachineInfo, { rawUrl, relayUrl, relay, raw }: Running): Promise<void> {
  console.log(`raw Express pid ${raw?.pid}; Relay pid ${relay.pid}: ${relay.readyLine}`);

  // Sanity checks: each endpoint answers as its case assumes, and Relay really validates on write.
  const rawGet = await request('GET', `${rawUrl}/raw`);
  const rawPost = await request('POST', `${rawUrl}/raw`, makePatient(1), 'application/json');
  if (rawGet.status !== 200 || rawPost.status !== 201 || rawPost.json?.resourceType !== 'Patient') throw new Error(`raw Express answered ${rawGet.status}/${rawPost.status}`);
  const t0 = Date.now();
  const ids = await seed(relayUrl, settings.patients);
  console.log(`seeded ${ids.length} Patients in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const read = await request('GET', `${relayUrl}/fhir/Patient/${ids[0]}`);
  if (read.status !== 200 || read.json?.resourceType !== 'Patient') throw new Error(`Relay read answered ${read.status}`);
  const bad = await request('POST', `${relayUrl}/fhir/Patient`, { ...makePatient(0), gender: 'not-a-gender', birthDate: '1980-13-45' });
  const validates = bad.status >= 400 && bad.status < 500;
  if (!validates) console.log(`WARNING: Relay accepted an invalid Patient (HTTP ${bad.status}); creates are not being validated`);

  const cases = buildCases(rawUrl, relayUrl, ids, settings.patients);
  const slices = Object.fromEntries(ORDER.map((k) => [k, [] as Slice[]])) as Record<CaseKey, Slice[]>;
  for (let round = 1; round <= settings.rounds; round++) {
    const rates: string[] = [];
    for (const key of ORDER) {
      if (round === 1) await warmUp(cases[key], settings.warmupSeconds, settings.connections);
      const server = key === 'rawGet' || key === 'rawPost' ? raw : relay;
      const slice = await measureSlice(cases[key], settings.seconds / settings.rounds, settings.connections, server?.pid);
      slices[key].push(slice);
      rates.push(`${key} ${Math.round(sliceRate(slice))}`);
    }
    console.log(`round ${round}/${settings.rounds} (req/s): ${rates.join(', ')}`);
  }
  const after = await request('GET', `${relayUrl}/fhir/Patient/${ids[0]}`);
  const versionId = (after.json?.meta as { versionId?: string } | undefined)?.versionId ?? null;
  console.log(`after the update case, Patient/${ids[0]} is at version ${versionId ?? '?'}`);

  const figures = Object.fromEntries(ORDER.map((k) => [k, combine(cases[k].name, slices[k])])) as Record<CaseKey, CaseFigures>;
  const rows: Row[] = [
    figures.rawGet,
    figures.rawPost,
    compare(figures.read, figures.rawGet, TARGETS.read),
    compare(figures.create, figures.rawPost, TARGETS.create),
    compare(figures.update, figures.rawPost),
  ];
  const perRound = (key: CaseKey, base: CaseKey) => slices[key].map((s, i) => Math.round((sliceRate(s) / sliceRate(slices[base][i])) * 1000) / 1000);
  const roundRatios = { read: perRound('read', 'rawGet'), create: perRound('create', 'rawPost'), update: perRound('update', 'rawPost') };
  const loadAvgAtEnd = loadAvg();

  console.log(`\n${table(rows)}\n`);
  if (settings.rounds > 1) {
    const list = (xs: number[]) => xs.map((x) => pct(x)).join(', ');
    console.log(`ratio per round: read ${list(roundRatios.read)}; create ${list(roundRatios.create)}; update ${list(roundRatios.update)}`);
  }
  console.log(`load average at the end: ${loadAvgAtEnd.join(' / ')} (the bench itself keeps about 2 cores busy)`);
  for (const r of rows) if (r.non2xx + r.errors + r.timeouts > 0) console.log(`WARNING: ${r.name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);

  const summary = {
    ...info,
    loadAvgAtEnd,
    settings,
    relay: { engine: 'embedded', validatesOnWrite: validates, versionAfterUpdates: versionId },
    cases: rows,
    roundRatios,
    targets: {
      read: { ratio: rows[2].ratio, target: TARGETS.read, pass: rows[2].pass },
      create: { ratio: rows[3].ratio, target: TARGETS.create, pass: rows[3].pass },
    },
  };
  await mkdir(path.dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`summary written to ${path.relative(ROOT, RESULTS)}`);
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const info = machineInfo();
  console.log(`Relay bench — ${info.date}`);
  console.log(`Node ${info.node}; ${info.cpuModel} × ${info.cpuCount}; ${info.platform}; ${info.memoryGiB} GiB`);
  console.log(
    `${settings.seconds} s per case in ${settings.rounds} interleaved round(s) after ${settings.warmupSeconds} s warm-up; ${settings.connections} connections; ${settings.patients} seeded Patients`,
  );
  console.log(`load average before start: ${info.loadAvgAtStart.join(' / ')} (1/5/15 min)`);
  if (info.loadAvgAtStart[0] > info.cpuCount / 2) console.log('WARNING: other processes are busy on this machine; absolute figures will be noisy (ratios less so)');
  if (settings.connections < 10 || settings.connections > 20) console.log(`note: BENCH_CONNECTIONS=${settings.connections} is outside the 10–20 the targets assume`);
  await withServers({ raw: true }, (running) => bench(settings, info, running));
}

main().catch((err: unknown) => {
  console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
