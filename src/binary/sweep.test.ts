import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { openEmbeddedStore } from '../storage/embedded/store';
import type { Store } from '../storage/port';
import { moveBlobRef } from './refs';
import { startBlobSweep, sweepBlobs } from './sweep';
import { leasesOf } from './leases';

describe('blob sweep', () => {
  let dir: string;
  let store: Store;
  const put = (text: string) => store.blobs.put(Readable.from([Buffer.from(text)]), { maxBytes: 1000 });
  const at = (ms: number) => () => new Date(ms);

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-sweep-'));
    store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 1 << 30 });
  });
  afterEach(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('removes content once it has been unreferenced for the retention, not before, and keeps referenced content', async () => {
    const kept = await put('kept');
    const dropped = await put('dropped');
    await moveBlobRef(store, undefined, kept, new Date(0));
    await moveBlobRef(store, undefined, dropped, new Date(0));
    await moveBlobRef(store, dropped, undefined, new Date(1000));
    expect(await sweepBlobs(store, { retentionMs: 5000, now: at(5999) })).toEqual([]);
    expect(await sweepBlobs(store, { retentionMs: 5000, now: at(6000) })).toEqual([dropped.sha256]);
    expect(await store.blobs.list()).toEqual([kept.sha256]);
  });

  it('counts references: content two Binaries share stays until neither refers to it', async () => {
    const shared = await put('shared');
    await moveBlobRef(store, undefined, shared, new Date(0));
    await moveBlobRef(store, undefined, shared, new Date(0));
    await moveBlobRef(store, shared, undefined, new Date(0));
    expect(await sweepBlobs(store, { retentionMs: 0, now: at(10) })).toEqual([]);
    await moveBlobRef(store, shared, undefined, new Date(20));
    expect(await sweepBlobs(store, { retentionMs: 0, now: at(30) })).toEqual([shared.sha256]);
  });

  it('records content no Binary ever referenced when it first sees it, and removes it on a later pass', async () => {
    const orphan = await put('orphan');
    expect(await sweepBlobs(store, { retentionMs: 0, now: at(100) })).toEqual([]);
    expect(await sweepBlobs(store, { retentionMs: 0, now: at(200) })).toEqual([orphan.sha256]);
    expect(await store.blobs.list()).toEqual([]);
  });

  it('leaves content alone while a write holds it', async () => {
    const held = await put('held');
    const release = leasesOf(store.blobs).hold(held.sha256);
    await sweepBlobs(store, { retentionMs: 0, now: at(1) });
    expect(await sweepBlobs(store, { retentionMs: 0, now: at(2) })).toEqual([]);
    release();
    await sweepBlobs(store, { retentionMs: 0, now: at(3) });
    expect(await sweepBlobs(store, { retentionMs: 0, now: at(4) })).toEqual([held.sha256]);
  });

  it('runs on a timer that stops when the store closes', async () => {
    const orphan = await put('timed');
    const logged: Record<string, unknown>[] = [];
    startBlobSweep(store, { intervalMs: 10, retentionMs: 0, log: (e) => logged.push(e) });
    for (let i = 0; i < 200 && (await store.blobs.list()).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await store.blobs.list()).not.toContain(orphan.sha256);
    expect(logged.filter((e) => e.level === 'error')).toEqual([]);
  });
});
