/**
 * The data directory layout. Generation g has at most one snapshot (the state before any record of
 * journal g) and one journal (records after it). Generation 0 starts from an empty store and has no
 * snapshot. `*.tmp` files are unfinished snapshots (or spill files) and are deleted on open.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

const JOURNAL = /^journal-(\d{12})\.log$/;
const SNAPSHOT = /^snapshot-(\d{12})\.snap$/;
/** Unfinished snapshots, and spill files a crash left between their creation and their unlinking (spill.ts). */
const TEMP = /^(snapshot-\d{12}\.snap|spill-[0-9a-f-]{36})\.tmp$/;

export interface DataFiles {
  journals: number[];
  snapshots: number[];
  temps: string[];
}

const pad = (gen: number) => String(gen).padStart(12, '0');

/** Path of generation `gen`'s journal. */
export function journalPath(dir: string, gen: number): string {
  return path.join(dir, `journal-${pad(gen)}.log`);
}

/** Path of generation `gen`'s snapshot. */
export function snapshotPath(dir: string, gen: number): string {
  return path.join(dir, `snapshot-${pad(gen)}.snap`);
}

/** Lists the journals and snapshots (ascending generations) and leftover temp files in `dir`. */
export async function listDataFiles(dir: string): Promise<DataFiles> {
  const files: DataFiles = { journals: [], snapshots: [], temps: [] };
  for (const name of await fs.readdir(dir)) {
    const journal = JOURNAL.exec(name);
    const snapshot = SNAPSHOT.exec(name);
    if (journal) files.journals.push(Number(journal[1]));
    else if (snapshot) files.snapshots.push(Number(snapshot[1]));
    else if (TEMP.test(name)) files.temps.push(path.join(dir, name));
  }
  files.journals.sort((a, b) => a - b);
  files.snapshots.sort((a, b) => a - b);
  return files;
}

/** Makes created, renamed or deleted directory entries durable (a file's own fsync does not). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes a file if it exists. */
export async function removeIfExists(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
