/**
 * Exclusive use of a data directory. Node has no flock, so the lock is a pid file, `relay.lock`,
 * created atomically and exclusively: the pid is written to a private temp file which is then
 * hard-linked to `relay.lock` (link fails with EEXIST if the name exists, like O_EXCL, and the lock
 * file never appears without its pid in it). A lock whose pid is no longer alive
 * (process.kill(pid, 0) → ESRCH), e.g. after SIGKILL, is stale and is taken over. Known limits:
 * it assumes one host (a pid on another machine cannot be checked); a recycled pid makes a stale
 * lock look held (the error names the pid, so an operator can check and delete the file); and two
 * processes taking over the same stale lock in the same instant could both succeed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { StoreLockedError } from '../errors';

export const LOCK_FILE = 'relay.lock';

/** Directories this process holds, by real path: a second open in the same process must fail too. */
const held = new Set<string>();

export interface DirLock {
  release(): Promise<void>;
}

/** Takes the lock on `dir` (which must exist) or throws StoreLockedError naming the holder. */
export async function acquireLock(dir: string, log: (msg: string) => void = () => {}): Promise<DirLock> {
  const key = await fs.realpath(dir);
  if (held.has(key)) throw new StoreLockedError(dir, process.pid, true);
  held.add(key);
  const file = path.join(dir, LOCK_FILE);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await tryCreate(file)) return { release: () => release(key, file) };
      const holder = await readPid(file);
      if (holder === undefined) continue;
      if (holder !== process.pid && isAlive(holder)) throw new StoreLockedError(dir, holder);
      log(`taking over the lock on ${dir} left by pid ${holder}, which is no longer running`);
      if ((await readPid(file)) === holder) await fs.rm(file, { force: true });
    }
    throw new Error(`could not take the lock file ${file}: it keeps changing; is another Relay starting on ${dir}?`);
  } catch (err) {
    held.delete(key);
    throw err;
  }
}

async function tryCreate(file: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, `${process.pid}\n`);
  try {
    await fs.link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await fs.readFile(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function release(key: string, file: string): Promise<void> {
  try {
    if ((await readPid(file)) === process.pid) await fs.rm(file, { force: true });
  } finally {
    held.delete(key);
  }
}
