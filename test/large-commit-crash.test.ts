/**
 * A commit too large to be held in memory (the journal makes its text again while it writes it,
 * storage/embedded/state.ts encodeOps) is all-or-nothing across SIGKILL: a child process commits
 * ~21 MB transactions one after another and is killed at a seeded random moment, mostly in the middle
 * of writing one; after each restart every transaction is entirely present or entirely absent, and
 * every one the child reported durable is present with its content. Past the first few documents of
 * each transaction the store spills their resources (storage/embedded/spill.ts), so the journal writes
 * those from the spill file.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeDataDir } from './helpers/test-app';
import { mulberry32 } from './helpers/prng';
import { DOCS, docOf } from './helpers/large-commit-writer';
import { openEmbeddedStore } from '../src/storage/embedded/store';

const ROUNDS = 10;
const SEED = process.env.LARGE_CRASH_SEED ? Number(process.env.LARGE_CRASH_SEED) : 20_261_126;
const WRITER = path.join(__dirname, 'helpers', 'large-commit-writer.ts');

/** Runs the writer for `round` until `killAfterMs` past its first durable commit (or its 30th second); answers the commits it reported. */
async function writeUntilKilled(dir: string, round: number, killAfterMs: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const committed: number[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const fallback = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const match of chunk.matchAll(/committed (\d+)/g)) {
      if (committed.length === 0) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      committed.push(Number(match[1]));
    }
  });
  await exited;
  clearTimeout(fallback);
  if (committed.length === 0) throw new Error(`round ${round}: the writer committed nothing; stderr:\n${stderr}`);
  return committed;
}

describe('a large commit is all or nothing across SIGKILL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeDataDir();
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it(`keeps every transaction whole over ${ROUNDS} kills`, async () => {
    const random = mulberry32(SEED);
    const problems: string[] = [];
    let present = 0;
    let absent = 0;
    const torn: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const committed = await writeUntilKilled(dir, round, Math.floor(random() * 600));
      const store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 2 ** 40, log: (m) => torn.push(m) });
      try {
        const docs = await store.collection('c').find({ _id: { $regex: `^${round}-` } }, { projection: { resource: 0 } });
        const byTx = new Map<string, number>();
        for (const d of docs) byTx.set(d.tx as string, (byTx.get(d.tx as string) ?? 0) + 1);
        const attempted = Math.max(...committed) + 1;
        for (let tx = 0; tx <= attempted; tx++) {
          const n = byTx.get(`${round}-${tx}`) ?? 0;
          if (n !== 0 && n !== DOCS) problems.push(`round ${round} transaction ${tx}: ${n} of ${DOCS} documents`);
          if (committed.includes(tx) && n !== DOCS) problems.push(`round ${round} transaction ${tx}: reported durable, ${n} of ${DOCS} documents`);
          if (n === DOCS) present++;
          else absent++;
        }
        const last = Math.max(...committed);
        const sample = await store.collection('c').findOne({ _id: `${round}-${last}-${DOCS - 1}` });
        if (JSON.stringify(sample) !== JSON.stringify(docOf(round, last, DOCS - 1))) problems.push(`round ${round}: transaction ${last} reads back changed`);
      } finally {
        await store.close();
      }
    }
    console.log(`${present} transactions present, ${absent} absent; ${torn.length} torn writes cut off at restart`);
    expect(problems).toEqual([]);
    // Commits survived every kill, and kills did land in the middle of writing a large commit.
    expect(present).toBeGreaterThanOrEqual(ROUNDS);
    expect(torn.filter((m) => /ignored a torn last write/.test(m)).length).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
