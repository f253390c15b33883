import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BASE, nodes, stored } from '../../../test/helpers/search-compile';
import { openStore } from '../../storage/open';
import type { Store } from '../../storage/port';
import { compileFilter } from './index';
import { collectionResolver } from './resolver';

describe('collectionResolver', () => {
  let dir = '';
  let store: Store;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-resolver-'));
    store = await openStore({ dataDir: dir, journalCompactBytes: 1 << 20 });
    const patients = [
      stored('1', { name: [{ n: 'eve', e: 'Eve' }], 'general-practitioner': [{ r: 'Practitioner/d1' }] }),
      stored('2', { name: [{ n: 'jon', e: 'Jon' }] }),
      stored('3', { name: [{ n: 'eve', e: 'Eve' }] }, { deleted: true }),
    ];
    const observations = [
      stored('o1', { subject: [{ r: 'Patient/1' }], code: [{ c: 'x' }] }),
      stored('o2', { subject: [{ r: 'Patient/2' }], code: [{ c: 'y' }] }),
      stored('o3', { subject: [{ r: 'Patient/3' }], code: [{ c: 'y' }] }),
      stored('o4', { subject: [{ r: '$where' }], code: [{ c: '$where' }] }),
    ];
    for (const p of patients) await store.collection('Patient').insertOne(p);
    for (const o of observations) await store.collection('Observation').insertOne(o);
    await store.collection('Practitioner').insertOne(stored('d1', {}));
  });

  afterAll(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function ids(type: string, query: Record<string, string>): Promise<string[]> {
    const options = { baseUrl: BASE };
    const filter = await compileFilter({ filters: nodes(type, query) }, collectionResolver((t) => store.collection(t), options), options);
    return (await store.collection(type).find(filter)).map((d) => d._id).sort();
  }

  it('runs chains on the target collection, skipping deleted targets', async () => {
    expect(await ids('Observation', { 'subject:Patient.name': 'eve' })).toEqual(['o1']);
    expect(await ids('Observation', { 'subject:Patient.general-practitioner:Practitioner._id': 'd1' })).toEqual(['o1']);
  });

  it('runs reverse chains, nested', async () => {
    expect(await ids('Patient', { '_has:Observation:subject:code': 'y' })).toEqual(['2']);
    expect(await ids('Practitioner', { '_has:Patient:general-practitioner:_has:Observation:subject:code': 'x' })).toEqual(['d1']);
    expect(await ids('Practitioner', { '_has:Patient:general-practitioner:_has:Observation:subject:code': 'y' })).toEqual([]);
  });

  it('matches operator payloads only literally on the real engine', async () => {
    expect(await ids('Observation', { code: '$where' })).toEqual(['o4']);
    expect(await ids('Observation', { code: '{"$ne":1}' })).toEqual([]);
    expect(await ids('Observation', { 'code:not': '$where' })).toEqual(['o1', 'o2', 'o3']);
  });
});
