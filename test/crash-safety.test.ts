/**
 * Acceptance: a write the server acknowledged survives SIGKILL. A child server process takes a
 * continuous stream of concurrent creates and is killed at a random moment, again and again on the
 * same data directory (every other round with frequent journal compaction); each restart must take
 * over the dead process's lock and still serve every create it ever acknowledged, unchanged.
 * Seeded (CRASH_SEED replays the same kill delays).
 */
import { mulberry32 } from './helpers/prng';
import { isDeepStrictEqual } from 'node:util';
import fs from 'node:fs/promises';
import { makeDataDir, startServerProcess, type ServerProcess } from './helpers/test-app';
import { openStore } from '../src/storage/open';

const ROUNDS = 20;
const IN_FLIGHT = 20;
const SEED = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : 424_242;

interface Acknowledged {
  /** /Patient/[id] */
  path: string;
  /** What the client sent. */
  sent: Record<string, unknown>;
  /** What the server answered with its 201. */
  stored: Record<string, unknown>;
}

const prng = mulberry32;

function patient(round: number, n: number): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:relay:crash-test', value: `${round}-${n}` }],
    active: n % 2 === 0,
    name: [{ family: `Round${round}`, given: [`Create${n}`, 'Ünïcode ✓'] }],
    birthDate: '1980-02-29',
    telecom: [{ system: 'email', value: `p${round}.${n}@example.org` }],
  };
}

function withoutServerMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = resource;
  if (!meta || typeof meta !== 'object') return rest;
  const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta as Record<string, unknown>;
  return Object.keys(otherMeta).length ? { ...rest, meta: otherMeta } : rest;
}

/**
 * Creates continuously with `IN_FLIGHT` requests in flight until the server stops answering;
 * `onAcknowledged` is called after each acknowledged create.
 */
async function createUntilDead(server: ServerProcess, round: number, acknowledged: Acknowledged[], problems: string[], onAcknowledged: () => void): Promise<number> {
  let n = 0;
  let attempted = 0;
  let alive = true;
  const worker = async () => {
    while (alive) {
      const sent = patient(round, n++);
      attempted++;
      let res: globalThis.Response;
      let text: string;
      try {
        res = await fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(sent) });
        text = await res.text();
      } catch {
        alive = false; // killed: this create was not acknowledged
        return;
      }
      const location = res.headers.get('location') ?? '';
      const m = /\/fhir(\/Patient\/[A-Za-z0-9\-.]{1,64})\/_history\/1$/.exec(location);
      if (res.status !== 201 || !m) {
        problems.push(`round ${round}: create answered ${res.status}, Location "${location}": ${text.slice(0, 300)}`);
        continue;
      }
      acknowledged.push({ path: m[1], sent, stored: JSON.parse(text) as Record<string, unknown> });
      onAcknowledged();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return attempted;
}

/** Reads every acknowledged create back; returns a line per one that is missing or changed. */
async function verify(baseUrl: string, acknowledged: Acknowledged[]): Promise<string[]> {
  const missing: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < acknowledged.length) {
      const a = acknowledged[next++];
      const res = await fetch(`${baseUrl}${a.path}`);
      const text = await res.text();
      if (res.status !== 200) {
        missing.push(`${a.path}: ${res.status} ${text.slice(0, 200)}`);
        continue;
      }
      const body = JSON.parse(text) as Record<string, unknown>;
      if (!isDeepStrictEqual(body, a.stored)) missing.push(`${a.path}: reads back ${text.slice(0, 300)}, acknowledged as ${JSON.stringify(a.stored).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return missing;
}

describe('crash safety of the embedded store', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  const acknowledged: Acknowledged[] = [];

  beforeAll(async () => {
    dataDir = await makeDataDir();
    console.log(`crash-safety seed ${SEED} (replay with CRASH_SEED=${SEED}); data dir ${dataDir}`);
  });

  afterAll(async () => {
    server?.kill('SIGKILL');
    await server?.waitExit();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test(`keeps every acknowledged create across ${ROUNDS} SIGKILLs, and restarts cleanly each time`, async () => {
    const random = prng(SEED);
    const problems: string[] = [];
    const rounds: string[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      const started = Date.now();
      // Odd rounds compact the journal often (a snapshot every ~64 kB of journal), so kills also land
      // while a snapshot is being written and the journal replaced.
      server = await startServerProcess({ RELAY_DATA_DIR: dataDir, ...(round % 2 ? { RELAY_JOURNAL_COMPACT: '64kb' } : {}) });
      const startMs = Date.now() - started;
      const lost = await verify(server.baseUrl, acknowledged);
      expect({ round, lost }).toEqual({ round, lost: [] });

      const before = acknowledged.length;
      const delay = 50 + Math.floor(random() * 451);
      // The delay runs from the first acknowledged create, so that every kill lands while creates flow
      // (the first requests after a start are slower; a kill before any answer would prove nothing).
      let firstAck!: () => void;
      const flowing = new Promise<void>((resolve) => (firstAck = resolve));
      const creating = createUntilDead(server, round, acknowledged, problems, () => firstAck());
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([flowing, new Promise((resolve) => (giveUp = setTimeout(resolve, 15_000)))]);
      clearTimeout(giveUp);
      const waited = Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, delay));
      server.kill('SIGKILL');
      const exit = await server.waitExit();
      const attempted = await creating;
      expect(exit.signal).toBe('SIGKILL');
      rounds.push(`round ${round}: started in ${startMs} ms, first create acknowledged at ${waited} ms, killed ${delay} ms later; ${acknowledged.length - before} of ${attempted} creates acknowledged`);
    }
    console.log(`${rounds.join('\n')}\ntotal acknowledged: ${acknowledged.length}`);

    server = await startServerProcess({ RELAY_DATA_DIR: dataDir });
    expect(await verify(server.baseUrl, acknowledged)).toEqual([]);
    server.kill('SIGKILL');
    await server.waitExit();

    expect(problems).toEqual([]);
    // Every round must have acknowledged something, or the kills prove nothing.
    expect(rounds.filter((r) => / 0 of /.test(r))).toEqual([]);
    for (const a of acknowledged) expect(withoutServerMeta(a.stored)).toEqual({ ...a.sent, id: a.path.split('/')[2] });
  }, 300_000);

  test('the data directory left by the last SIGKILL opens cleanly in-process and holds every acknowledged create', async () => {
    const store = await openStore({ dataDir, mongodbUri: undefined, journalCompactBytes: 64 * 1024 * 1024 });
    try {
      const docs = await store.collection('Patient').find({ deleted: false });
      expect(await store.collection('Patient').countDocuments({ deleted: false })).toBe(docs.length);
      const byId = new Map(docs.map((d) => [d._id, d.resource]));
      const lost = acknowledged.filter((a) => !isDeepStrictEqual(byId.get(a.path.split('/')[2]), a.stored)).map((a) => a.path);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(lost).toEqual([]);
    } finally {
      await store.close();
    }
    // A cleanly closed store opens again.
    const again = await openStore({ dataDir, mongodbUri: undefined, journalCompactBytes: 64 * 1024 * 1024 });
    await again.close();
  }, 60_000);
});
