import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Observation, Task } from '@medplum/fhirtypes';
import { prepareStore } from '../app';
import { operatorAccess } from '../repository/access';
import type { CurrentDoc } from '../repository/documents';
import { Repository } from '../repository/repository';
import { openEmbeddedStore } from '../storage/embedded/store';
import type { Store } from '../storage/port';
import { parseSearch } from './parse/index';
import { RELAY_META_COLLECTION, reindexIfStale, SEARCH_INDEX_VERSION } from './reindex';
import { customParametersFingerprint } from './registry';

const BASE = 'https://relay.example/fhir';

describe('re-extraction of search index values written by an older Relay', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-reindex-'));
    store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 64 * 1024 * 1024 });
    await prepareStore(store, { baseUrl: BASE });
  });
  afterEach(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('records the version on a fresh store and then has nothing to do', async () => {
    expect(await store.collection(RELAY_META_COLLECTION).findOne({ _id: 'search-index' })).toEqual({ _id: 'search-index', version: SEARCH_INDEX_VERSION, parameters: customParametersFingerprint() });
    expect(await reindexIfStale(store, { baseUrl: BASE })).toBe(0);
  });

  it('re-extracts the values of current resources when the record is older or missing, so system|code searches find them again', async () => {
    const repo = new Repository(store, { validate: () => [], access: operatorAccess, baseUrl: BASE }, store);
    const made: Observation[] = [];
    for (let i = 0; i < 3; i++) {
      made.push(await repo.create<Observation>({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: `100${i}-0` }] } }));
    }
    await repo.delete('Observation', made[2].id as string);
    // What version 1 stored: token values without `k`, and no version record.
    const observations = store.collection<CurrentDoc>('Observation');
    for (const doc of await observations.find({ deleted: false })) {
      const sp = JSON.parse(JSON.stringify(doc.sp, (key, value) => (key === 'k' ? undefined : value)));
      await observations.replaceOne({ _id: doc._id }, { ...doc, sp });
    }
    await store.collection(RELAY_META_COLLECTION).deleteOne({ _id: 'search-index' });
    const search = async (code: string) => (await repo.search(parseSearch('Observation', { code: [code] }, { strict: true }).query, 10)).matches.map((r) => r.id);
    expect(await search('http://loinc.org|1000-0')).toEqual([]);

    const logged: string[] = [];
    expect(await reindexIfStale(store, { baseUrl: BASE, log: (m) => logged.push(m) })).toBe(2);
    expect(logged).toEqual(['search index values re-extracted for 2 resources (stored by an older version of Relay, or for other search parameters)']);
    expect(await search('http://loinc.org|1000-0')).toEqual([made[0].id]);
    expect(await search('http://loinc.org|1001-0')).toEqual([made[1].id]);
    expect((await observations.findOne({ _id: made[0].id as string }))?.versionId).toBe(1);
    expect(await reindexIfStale(store, { baseUrl: BASE })).toBe(0);
  });

  it('re-extracts when the custom search parameters changed (Task `due` from profiles/package), so `due` searches find Tasks stored before', async () => {
    const repo = new Repository(store, { validate: () => [], access: operatorAccess, baseUrl: BASE }, store);
    const task = await repo.create<Task>({ resourceType: 'Task', status: 'requested', intent: 'order', restriction: { period: { end: '2026-12-01T10:00:00Z' } } });
    // As stored before the package defined `due`: no such index value, and a record of other parameters.
    const tasks = store.collection<CurrentDoc>('Task');
    const doc = (await tasks.findOne({ _id: task.id as string })) as CurrentDoc;
    const { due: _due, ...sp } = doc.sp ?? {};
    await tasks.replaceOne({ _id: doc._id }, { ...doc, sp });
    await store.collection(RELAY_META_COLLECTION).replaceOne({ _id: 'search-index' }, { _id: 'search-index', version: SEARCH_INDEX_VERSION, parameters: 'before' });
    const due = async (value: string) => (await repo.search(parseSearch('Task', { due: [value] }, { strict: true }).query, 10)).matches.map((r) => r.id);
    expect(await due('lt2027')).toEqual([]);
    expect(await reindexIfStale(store, { baseUrl: BASE })).toBe(1);
    expect(await due('lt2027')).toEqual([task.id]);
    expect(await due('gt2027')).toEqual([]);
  });
});
