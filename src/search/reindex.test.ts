import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Observation } from '@medplum/fhirtypes';
import { prepareStore } from '../app';
import { operatorAccess } from '../repository/access';
import type { CurrentDoc } from '../repository/documents';
import { Repository } from '../repository/repository';
import { openEmbeddedStore } from '../storage/embedded/store';
import type { Store } from '../storage/port';
import { parseSearch } from './parse/index';
import { RELAY_META_COLLECTION, reindexIfStale, SEARCH_INDEX_VERSION } from './reindex';

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
    expect(await store.collection(RELAY_META_COLLECTION).findOne({ _id: 'search-index' })).toEqual({ _id: 'search-index', version: SEARCH_INDEX_VERSION });
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
    expect(logged).toEqual(['search index values re-extracted for 2 resources (stored by an older version of Relay)']);
    expect(await search('http://loinc.org|1000-0')).toEqual([made[0].id]);
    expect(await search('http://loinc.org|1001-0')).toEqual([made[1].id]);
    expect((await observations.findOne({ _id: made[0].id as string }))?.versionId).toBe(1);
    expect(await reindexIfStale(store, { baseUrl: BASE })).toBe(0);
  });
});
