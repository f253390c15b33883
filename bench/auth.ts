/**
 * `npm run bench:auth`: issue 7's benchmark. Two Relay child processes side by side (embedded engine,
 * fresh data dirs, NODE_ENV=production): one with RELAY_AUTH=open, one with RELAY_AUTH=smart trusting
 * an external issuer whose key this script holds (RELAY_AUTH_ISSUERS with a JWKS file), rate limit
 * off. Both audit every request, so the difference is the token check and the scope/compartment
 * checks. Reads (GET /fhir/Patient/[id] over seeded Patients, one ES256 system/*.read token reused as
 * a client would) are measured in interleaved slices; prints req/s and server CPU µs per read for each
 * and judges issue 7's target: token checking costs at most 15% (smart req/s ≥ 85% of open).
 * Settings: BENCH_SECONDS (per slice, default 4), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 10).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { combine, measureSlice, warmUp, type CaseSpec, type Slice } from './lib/load';
import { machineInfo } from './lib/machine';
import { withServers, type Running } from './lib/servers';

const ISSUER = 'https://issuer.bench.example';
const SEEDED = 200;
/** Issue 7: token checking costs at most 15% of read throughput. */
const TARGET_RATIO = 0.85;

function positive(name: string, fallback: number): number {
  const n = Number(process.env[name]?.trim() || fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer`);
  return n;
}

async function seed(relayUrl: string, headers: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < SEEDED; i++) {
    const res = await fetch(`${relayUrl}/fhir/Patient`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: `Bench${i}`, given: ['Auth'] }], gender: i % 2 ? 'female' : 'male' }),
    });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 201 || !body.id) throw new Error(`seeding Patient ${i}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    ids.push(body.id);
  }
  return ids;
}

function reads(name: string, running: Running, ids: string[], headers: Record<string, string>): CaseSpec {
  let n = 0;
  return { name, url: running.relayUrl, method: 'GET', headers, next: () => ({ path: `/fhir/Patient/${ids[n++ % ids.length]}` }) };
}

async function main(): Promise<void> {
  const seconds = positive('BENCH_SECONDS', 4);
  const rounds = positive('BENCH_ROUNDS', 3);
  const connections = positive('BENCH_CONNECTIONS', 10);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-bench-auth-'));
  try {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    await writeFile(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }));
    const issuers = path.join(dir, 'issuers.json');
    await writeFile(issuers, JSON.stringify([{ issuer: ISSUER, jwksFile: 'jwks.json' }]));
    const smartEnv = { RELAY_AUTH: 'smart', RELAY_AUTH_ISSUERS: issuers, RELAY_RATE_LIMIT: '0' };
    await withServers({ raw: false }, (open) =>
      withServers({ raw: false, relayEnv: smartEnv }, async (smart) => {
        const token = await new SignJWT({ scope: 'system/*.read system/*.write', client_id: 'bench' })
          .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
          .setIssuer(ISSUER)
          .setAudience(`${smart.relayUrl}/fhir`)
          .setSubject('bench')
          .setIssuedAt()
          .setExpirationTime('2h')
          .setJti(randomUUID())
          .sign(privateKey);
        const auth = { Authorization: `Bearer ${token}` };
        const cases = [reads('open', open, await seed(open.relayUrl, {}), {}), reads('smart', smart, await seed(smart.relayUrl, auth), auth)];
        const pids = [open.relay.pid, smart.relay.pid];
        for (const c of cases) await warmUp(c, 2, connections);
        const slices: Slice[][] = [[], []];
        for (let r = 0; r < rounds; r++) {
          for (const i of r % 2 ? [1, 0] : [0, 1]) slices[i].push(await measureSlice(cases[i], seconds, connections, pids[i]));
        }
        const [o, s] = cases.map((c, i) => combine(c.name, slices[i]));
        if (o.non2xx + s.non2xx + o.errors + s.errors > 0) throw new Error(`failed reads: open ${o.non2xx}/${o.errors}, smart ${s.non2xx}/${s.errors}`);
        const ratio = s.reqPerSec / o.reqPerSec;
        const machine = machineInfo();
        console.log(`${machine.date} ${machine.cpuModel} × ${machine.cpuCount}, load ${machine.loadAvgAtStart.join(' ')}; ${rounds} rounds × ${seconds} s, ${connections} connections\n`);
        console.log('| mode | reads/s | p50 ms | p99 ms | server CPU µs/read |');
        console.log('|---|---:|---:|---:|---:|');
        for (const f of [o, s]) console.log(`| ${f.name} | ${f.reqPerSec} | ${f.p50Ms} | ${f.p99Ms} | ${f.cpuUsPerReq ?? 'n/a'} |`);
        const perRound = slices[1].map((sl, i) => (sl.requests / sl.seconds / (slices[0][i].requests / slices[0][i].seconds)).toFixed(2)).join(', ');
        console.log(`\nsmart ÷ open reads/s: ${ratio.toFixed(3)} (per round ${perRound}) → ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'} (target ≥ ${TARGET_RATIO})`);
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
