import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreFailedError } from '../errors';
import { Journal } from './journal';
import { BATCH_MAGIC, decodeFrames } from './record';

describe('journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-journal-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('batches records appended during an in-flight sync into one write+sync (group commit)', async () => {
    const journal = await Journal.open(path.join(dir, 'j.log'));
    const durable: number[] = [];
    const appended = Array.from({ length: 50 }, (_, i) => journal.append(JSON.stringify({ i }), () => durable.push(i)));
    await Promise.all(appended);
    expect(durable).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(journal.syncs).toBeLessThanOrEqual(2);
    await journal.close();
    const batches = decodeFrames(await fs.readFile(path.join(dir, 'j.log')), BATCH_MAGIC).bodies;
    expect(batches.length).toBe(journal.syncs);
    const records = batches.flatMap((b) => decodeFrames(b).bodies);
    expect(records.map((r) => JSON.parse(r.toString('utf8')).i)).toEqual(durable);
  });

  it('runs onDurable before the append resolves, and only after the bytes are in the file', async () => {
    const file = path.join(dir, 'j.log');
    const journal = await Journal.open(file);
    let sizeSeenByCallback = -1;
    await journal.append('{"x":1}', () => {
      sizeSeenByCallback = statSync(file).size;
    });
    expect(sizeSeenByCallback).toBe(journal.size);
    await journal.close();
  });

  it('fails every queued and later record after an I/O error, and flush reports it', async () => {
    const journal = await Journal.open(path.join(dir, 'j.log'));
    const handle = (journal as unknown as { handle: { datasync: () => Promise<void> } }).handle;
    handle.datasync = () => Promise.reject(Object.assign(new Error('EIO: disk gone'), { code: 'EIO' }));
    const first = journal.append('{"a":1}', () => undefined);
    const second = journal.append('{"a":2}', () => undefined);
    await expect(first).rejects.toBeInstanceOf(StoreFailedError);
    await expect(second).rejects.toBeInstanceOf(StoreFailedError);
    await expect(journal.append('{"a":3}', () => undefined)).rejects.toThrow(/EIO: disk gone/);
    await expect(journal.flush()).rejects.toBeInstanceOf(StoreFailedError);
    await expect(journal.close()).rejects.toBeInstanceOf(StoreFailedError);
  });
});
