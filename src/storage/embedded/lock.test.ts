import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreLockedError } from '../errors';
import { LOCK_FILE } from './lock';
import { openEmbeddedStore } from './store';

const STORE_MODULE = path.join(__dirname, 'store.ts');

/** Starts another Node process that opens the store in `dir` and keeps it open until killed. */
async function holdInChild(dir: string): Promise<ChildProcess> {
  const code = `require(${JSON.stringify(STORE_MODULE)}).openEmbeddedStore({ dataDir: ${JSON.stringify(dir)}, journalCompactBytes: 1e9 })
    .then(() => { console.log('ready'); setInterval(() => {}, 1000); }, (e) => { console.error(e.message); process.exit(3); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${err}`)));
  });
  return child;
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('data directory lock', () => {
  let dir: string;
  let logs: string[];
  const open = () => openEmbeddedStore({ dataDir: dir, journalCompactBytes: 1e9, log: (m) => logs.push(m) });

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-lock-'));
    logs = [];
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('refuses a second open of the same directory in the same process, until the first is closed', async () => {
    const first = await open();
    const second = open();
    await expect(second).rejects.toBeInstanceOf(StoreLockedError);
    await expect(open()).rejects.toThrow(`data directory ${dir} is already open in this Relay process (pid ${process.pid})`);
    await first.close();
    await expect(fs.stat(path.join(dir, LOCK_FILE))).rejects.toThrow(/ENOENT/);
    const third = await open();
    await third.close();
  });

  it('refuses a directory held by another live process, naming the directory and its pid', async () => {
    const child = await holdInChild(dir);
    try {
      await expect(open()).rejects.toThrow(`data directory ${dir} is in use by another Relay process (pid ${child.pid}); stop it or choose another RELAY_DATA_DIR`);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 30_000);

  it('takes over the lock left behind by a process killed with SIGKILL', async () => {
    const child = await holdInChild(dir);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(Number(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8'))).toBe(child.pid);
    const store = await open();
    expect(Number(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8'))).toBe(process.pid);
    expect(logs.join('\n')).toContain(`left by pid ${child.pid}, which is no longer running`);
    await store.close();
  }, 30_000);

  it('takes over a stale lock file naming a dead pid, garbage, or this process (a restarted container)', async () => {
    for (const content of [`${deadPid()}\n`, 'not a pid', `${process.pid}\n`]) {
      await fs.writeFile(path.join(dir, LOCK_FILE), content);
      const store = await open();
      await store.collection('c').insertOne({ _id: content });
      await store.close();
    }
    const store = await open();
    expect(await store.collection('c').countDocuments({})).toBe(3);
    await store.close();
  });

  it('creates a missing data directory, including parents', async () => {
    const nested = path.join(dir, 'a', 'b', 'data');
    const store = await openEmbeddedStore({ dataDir: nested, journalCompactBytes: 1e9 });
    await store.collection('c').insertOne({ _id: 'x' });
    await store.close();
    expect((await fs.readdir(nested)).sort()).toEqual(['blob-keys.json', 'blobs', 'journal-000000000000.log']);
  });
});
