import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { operatorAccess } from '../repository/access';
import type { CurrentDoc } from '../repository/documents';
import { Repository } from '../repository/repository';
import { openEmbeddedStore } from '../storage/embedded/store';
import type { Store } from '../storage/port';
import { loadR4Definitions, resourceTypes } from '../validation/definitions';
import { ensureSearchIndexes, searchIndexes } from './indexes';

const BASE = 'https://relay.example/fhir';

describe('search indexes', () => {
  let dir: string;
  let store: Store;

  beforeAll(() => loadR4Definitions());
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-search-idx-'));
    store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 64 * 1024 * 1024 });
  });
  afterEach(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('declares lastUpdatedMs, deleted, sp.<code>.c and .k for token, .r for reference and .n for string parameters', () => {
    const keys = searchIndexes('Observation').map((s) => Object.keys(s.keys)[0]);
    expect(keys.slice(0, 2)).toEqual(['lastUpdatedMs', 'deleted']);
    expect(keys).toEqual(expect.arrayContaining(['sp._tag.c', 'sp.code.c', 'sp.status.c', 'sp.identifier.c', 'sp.subject.r', 'sp.patient.r', 'sp.encounter.r']));
    expect(keys).not.toContain('sp._id.c');
    expect(keys.filter((k) => k.startsWith('sp.') && !/\.(c|k|r|n)$/.test(k))).toEqual([]);
    expect(searchIndexes('Patient').map((s) => Object.keys(s.keys)[0])).toEqual(expect.arrayContaining(['sp.name.n', 'sp.family.n', 'sp.address-city.n']));
    expect(keys).toEqual(expect.arrayContaining(['sp.code.k', 'sp.identifier.k']));
    for (const type of resourceTypes()) expect(searchIndexes(type).length).toBeLessThan(64);
  });

  it('creates the indexes idempotently, and repository writes carry sp/sort that the indexes serve', async () => {
    await ensureSearchIndexes(store, ['Patient', 'Observation']);
    await ensureSearchIndexes(store, ['Patient', 'Observation']);
    const repo = new Repository(store, { validate: () => [], access: operatorAccess, baseUrl: BASE }, store);
    const patient = await repo.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Zoë' }], identifier: [{ system: 'urn:mrn', value: '42' }] });
    const observation = await repo.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `${BASE}/Patient/${patient.id}` },
    });
    const other = await repo.create<Observation>({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/someone-else' } });

    const observations = store.collection<CurrentDoc>('Observation');
    const stored = await observations.findOne({ _id: observation.id as string });
    expect(stored?.sp?.subject).toEqual([{ r: `Patient/${patient.id}`, typ: 'Patient', id: patient.id }]);
    expect(stored?.sort?.code).toBe('8867-4');
    expect((await observations.find({ 'sp.subject.r': `Patient/${patient.id}` })).map((d) => d._id)).toEqual([observation.id]);
    expect((await observations.find({ 'sp.code.c': { $in: ['8867-4', 'nope'] } })).map((d) => d._id)).toEqual([observation.id]);
    expect((await store.collection<CurrentDoc>('Patient').find({ 'sp.identifier.c': '42' })).map((d) => d._id)).toEqual([patient.id]);

    await repo.delete('Observation', other.id as string);
    const deleted = await observations.findOne({ _id: other.id as string });
    expect(deleted?.deleted).toBe(true);
    expect(deleted?.sp).toBeUndefined();
    expect(deleted?.sort).toBeUndefined();
  });
});
