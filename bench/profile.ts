/**
 * `npx tsx bench/profile.ts [read|create|update]` (default create): runs Relay under `node --cpu-prof`,
 * drives one case for BENCH_SECONDS, then prints where the server spent its CPU while under load.
 * The raw profile is kept in bench/results/profiles/ (open it in Chrome DevTools → Performance).
 */
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, withServers } from './lib/servers';
import { seed } from './lib/fhir-client';
import { buildCases } from './lib/cases';
import { measureSlice, warmUp, combine } from './lib/load';
import { readSettings } from './lib/settings';
import { summarise, type CpuProfile } from './lib/cpuprofile';

const CASES = ['read', 'create', 'update'] as const;
type ProfiledCase = (typeof CASES)[number];

async function main(): Promise<void> {
  const which = (process.argv[2] ?? 'create') as ProfiledCase;
  if (!CASES.includes(which)) throw new Error(`usage: tsx bench/profile.ts [${CASES.join('|')}]`);
  const settings = readSettings(process.env);
  // One directory per run: tsx's loader thread writes a profile of its own next to the main thread's.
  const dir = path.join(ROOT, 'bench', 'results', 'profiles', `${which}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(dir, { recursive: true });
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const window = { fromUs: 0, toUs: 0 };

  await withServers({ raw: false, relayNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] }, async ({ relayUrl, relay }) => {
    console.log(`Relay pid ${relay.pid} under --cpu-prof; seeding ${settings.patients} Patients`);
    const ids = await seed(relayUrl, settings.patients);
    const spec = buildCases('', relayUrl, ids, settings.patients)[which];
    await warmUp(spec, settings.warmupSeconds, settings.connections);
    window.fromUs = nowUs();
    const slice = await measureSlice(spec, settings.seconds, settings.connections, relay.pid);
    window.toUs = nowUs();
    const f = combine(spec.name, [slice]);
    console.log(`${f.name}: ${Math.round(f.reqPerSec)} req/s under the profiler (${f.cpuUsPerReq ?? "?"} µs server CPU per request), p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, ${f.non2xx} non-2xx`);
  });

  // The main thread's profile is the one with the most busy samples.
  let best: { file: string; profile: CpuProfile; busy: number } | undefined;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
    const busy = profile.samples.filter((id) => !idle.has(id)).length;
    if (!best || busy > best.busy) best = { file, profile, busy };
  }
  if (!best) throw new Error(`Relay wrote no profile in ${dir}; did it exit cleanly on SIGTERM?`);
  const profile = best.profile;
  console.log(`profile: ${path.relative(ROOT, path.join(dir, best.file))}\n`);
  console.log(summarise(profile, ROOT, window));
}

main().catch((err: unknown) => {
  console.error(`profile failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
