/**
 * `npm run bench`: Relay (embedded engine, fresh temp data dir) against a raw Express 5 baseline, both as
 * child processes, driven by autocannon from this process on loopback. Prints a table and writes
 * bench/results/latest.json. Exits non-zero only when something broke (not for missed targets).
 * Settings: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (10), BENCH_PATIENTS (1000),
 * BENCH_RELAY_ENTRY (src/main.ts: the Relay entry point, run with `node --import tsx`).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startChild, type Child } from './lib/child';
import { freePort } from './lib/ports';
import { makePatient } from './lib/patient';
import { measure, type CaseFigures, type CaseSpec, type LoadSettings } from './lib/load';
import { compare, table, type Row } from './lib/report';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results', 'latest.json');
const TARGETS = { read: 0.5, create: 0.25 } as const;
const FHIR = 'application/fhir+json';

interface Settings extends LoadSettings {
  patients: number;
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, integer: boolean): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`${name}=${raw}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  return n;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  return {
    seconds: numberFrom(env, 'BENCH_SECONDS', 10, 1, false),
    warmupSeconds: numberFrom(env, 'BENCH_WARMUP_SECONDS', 2, 0, false),
    connections: numberFrom(env, 'BENCH_CONNECTIONS', 10, 1, true),
    patients: numberFrom(env, 'BENCH_PATIENTS', 1000, 1, true),
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  };
}

async function request(method: string, url: string, body?: unknown, contentType = FHIR): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? { accept: FHIR } : { accept: FHIR, 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

/** Creates `count` Patients through the API (8 in flight), returning their ids. */
async function seed(base: string, count: number): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  let nextSeq = 0;
  const worker = async () => {
    for (let seq = nextSeq++; seq < count; seq = nextSeq++) {
      const { status, json } = await request('POST', `${base}/fhir/Patient`, makePatient(seq));
      if (status !== 201 || typeof json?.id !== 'string') throw new Error(`seeding Patient ${seq}: HTTP ${status} ${JSON.stringify(json)?.slice(0, 300)}`);
      ids[seq] = json.id;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const info = machine();
  console.log(`Relay bench — ${info.date}`);
  console.log(`Node ${info.node}; ${info.cpuModel} × ${info.cpuCount} (available parallelism ${info.availableParallelism}); ${info.platform}; ${info.memoryGiB} GiB`);
  console.log(`${settings.seconds} s per case after ${settings.warmupSeconds} s warm-up, ${settings.connections} connections, ${settings.patients} seeded Patients`);
  if (settings.connections < 10 || settings.connections > 20) console.log(`note: BENCH_CONNECTIONS=${settings.connections} is outside the 10–20 the targets assume`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relay-bench-'));
  const children: Child[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await Promise.allSettled(children.map((c) => c.stop()));
      await rm(dataDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping servers`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const [rawPort, relayPort] = await Promise.all([freePort(), freePort()]);
    const env = { ...process.env, HOST: '127.0.0.1', NODE_ENV: 'production' };
    children.push(await startChild('raw', ['--import', 'tsx', 'bench/raw-express.ts'], { ...env, PORT: String(rawPort) }, /Raw Express listening on/, 30_000, ROOT));
    const relay = await startChild(
      'relay',
      ['--import', 'tsx', process.env.BENCH_RELAY_ENTRY?.trim() || 'src/main.ts'],
      { ...env, PORT: String(relayPort), RELAY_DATA_DIR: dataDir, MONGODB_URI: '' },
      /Relay listening on/,
      120_000,
      ROOT,
    );
    children.push(relay);
    console.log(`raw Express pid ${children[0].pid}; Relay pid ${relay.pid}: ${relay.readyLine}`);
    if (!relay.readyLine.includes('embedded')) throw new Error(`Relay is not on the embedded engine: ${relay.readyLine}`);

    const raw = `http://127.0.0.1:${rawPort}`;
    const fhir = `http://127.0.0.1:${relayPort}`;

    // Sanity checks: each endpoint answers as the case assumes, and Relay really validates on write.
    const rawGet = await request('GET', `${raw}/raw`);
    const rawPost = await request('POST', `${raw}/raw`, makePatient(1), 'application/json');
    if (rawGet.status !== 200 || rawPost.status !== 201 || rawPost.json?.resourceType !== 'Patient') throw new Error(`raw Express answered ${rawGet.status}/${rawPost.status}`);
    const t0 = Date.now();
    const ids = await seed(fhir, settings.patients);
    console.log(`seeded ${ids.length} Patients in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const read = await request('GET', `${fhir}/fhir/Patient/${ids[0]}`);
    if (read.status !== 200 || read.json?.resourceType !== 'Patient') throw new Error(`Relay read answered ${read.status}`);
    const bad = await request('POST', `${fhir}/fhir/Patient`, { ...makePatient(0), gender: 'not-a-gender', birthDate: '1980-13-45' });
    const validates = bad.status >= 400 && bad.status < 500;
    if (!validates) console.log(`WARNING: Relay accepted an invalid Patient (HTTP ${bad.status}); creates are not being validated`);

    let seq = settings.patients;
    let rr = 0;
    const nextId = () => ids[rr++ % ids.length];
    const specs: Record<'rawGet' | 'rawPost' | 'read' | 'create' | 'update', CaseSpec> = {
      rawGet: { name: 'raw Express GET', url: raw, method: 'GET', next: () => ({ path: '/raw' }) },
      rawPost: {
        name: 'raw Express POST',
        url: raw,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        next: () => ({ path: '/raw', body: JSON.stringify(makePatient(seq++)) }),
      },
      read: { name: 'Relay read', url: fhir, method: 'GET', headers: { accept: FHIR }, next: () => ({ path: `/fhir/Patient/${nextId()}` }) },
      create: {
        name: 'Relay create',
        url: fhir,
        method: 'POST',
        headers: { accept: FHIR, 'content-type': FHIR },
        next: () => ({ path: '/fhir/Patient', body: JSON.stringify(makePatient(seq++)) }),
      },
      update: {
        name: 'Relay update',
        url: fhir,
        method: 'PUT',
        headers: { accept: FHIR, 'content-type': FHIR },
        next: () => {
          const id = nextId();
          return { path: `/fhir/Patient/${id}`, body: JSON.stringify(makePatient(seq++, id)) };
        },
      },
    };
    const figures = {} as Record<keyof typeof specs, CaseFigures>;
    for (const key of Object.keys(specs) as (keyof typeof specs)[]) {
      process.stdout.write(`measuring ${specs[key].name} … `);
      figures[key] = await measure(specs[key], settings);
      console.log(`${Math.round(figures[key].reqPerSec)} req/s`);
    }
    const after = await request('GET', `${fhir}/fhir/Patient/${ids[0]}`);
    const versionId = (after.json?.meta as { versionId?: string } | undefined)?.versionId;
    console.log(`after the update case Patient/${ids[0]} is at version ${versionId ?? '?'}`);

    const rows: Row[] = [
      figures.rawGet,
      figures.rawPost,
      compare(figures.read, figures.rawGet, TARGETS.read),
      compare(figures.create, figures.rawPost, TARGETS.create),
      compare(figures.update, figures.rawPost),
    ];
    console.log(`\n${table(rows)}\n`);
    for (const r of rows) if (r.non2xx + r.errors + r.timeouts > 0) console.log(`WARNING: ${r.name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);

    await mkdir(path.dirname(RESULTS), { recursive: true });
    const summary = {
      ...info,
      settings,
      relay: { engine: 'embedded', validatesOnWrite: validates, updatedVersionAfterRun: versionId ?? null },
      cases: rows,
      targets: {
        read: { ratio: rows[2].ratio, target: TARGETS.read, pass: rows[2].pass },
        create: { ratio: rows[3].ratio, target: TARGETS.create, pass: rows[3].pass },
      },
    };
    await writeFile(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`summary written to ${path.relative(ROOT, RESULTS)}`);
  } catch (err) {
    console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`);
    for (const c of children) console.error(c.tail());
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

void main();
