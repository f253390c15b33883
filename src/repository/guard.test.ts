import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openEmbeddedStore } from '../storage/embedded/store';
import type { Store } from '../storage/port';
import { claimGuard, GUARD_COLLECTION, GUARD_IDLE_MS, guardKey, pruneGuards } from './guard';

describe('conditional-write guards', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-guard-'));
    store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 64 * 1024 * 1024 });
  });
  afterEach(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('counts claims per criteria, and pruning removes only guards idle for longer than GUARD_IDLE_MS', async () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const old = new Date(now.getTime() - GUARD_IDLE_MS - 1);
    const recent = new Date(now.getTime() - GUARD_IDLE_MS + 60_000);
    await store.transaction((tx) => claimGuard(tx, 'Patient', 'identifier=a|1', old));
    await store.transaction((tx) => claimGuard(tx, 'Patient', 'identifier=a|2', old));
    await store.transaction((tx) => claimGuard(tx, 'Patient', 'identifier=a|2', recent));
    await store.transaction((tx) => claimGuard(tx, 'Patient', 'identifier=a|3', recent));

    expect(await pruneGuards(store, now)).toBe(1);
    const left = await store.collection(GUARD_COLLECTION).find({}, { sort: { criteria: 1 } });
    expect(left.map((g) => [g._id, g.criteria, g.claims])).toEqual([
      [guardKey('Patient', 'identifier=a|2'), 'Patient?identifier=a|2', 2],
      [guardKey('Patient', 'identifier=a|3'), 'Patient?identifier=a|3', 1],
    ]);
    expect(await pruneGuards(store, now)).toBe(0);
  });
});
