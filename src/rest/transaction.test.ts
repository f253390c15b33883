import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { loadConfig } from '../config';
import { operatorAccess } from '../repository/access';
import { Repository } from '../repository/repository';
import { openEmbeddedStore } from '../storage/embedded/store';
import type { Store } from '../storage/port';
import { INTERACTIONS } from './interactions';
import { transaction } from './transaction';
import type { RequestContext } from './types';

const BASE = 'http://relay.test/fhir';

/** A repository whose store runs a transaction's work a second time after a first attempt it discards, as MongoDB does after a transient error. */
class RetryingRepository extends Repository {
  override get rerunsTransactions(): boolean {
    return true;
  }

  override async transaction<R>(work: (repo: Repository) => Promise<R>): Promise<R> {
    const transient = new Error('transient transaction error');
    await super
      .transaction(async (tx) => {
        await work(tx);
        throw transient;
      })
      .catch((err: unknown) => {
        if (err !== transient) throw err;
      });
    return super.transaction(work);
  }
}

describe('a transaction run a second time by its store', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-tx-retry-'));
    store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 64 * 1024 * 1024 });
  });
  afterEach(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps its entries whole for the second run, which stores them once', async () => {
    const repo = new RetryingRepository(store, { validate: () => [], access: operatorAccess, baseUrl: BASE }, store);
    const ctx: RequestContext = { requestId: 'test', baseUrl: BASE, access: operatorAccess, repo, config: loadConfig({ RELAY_DATA_DIR: dir, RELAY_BASE_URL: BASE }), now: () => new Date() };
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:8a1c0b6e-0d0b-4c59-9a53-3f0c6f1c2a11', resource: { resourceType: 'Patient', gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'pulse' }, subject: { reference: 'urn:uuid:8a1c0b6e-0d0b-4c59-9a53-3f0c6f1c2a11' } }, request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const result = await transaction(ctx, bundle, { interactions: INTERACTIONS });
    expect(result.kind).toBe('ok');
    const patients = await store.collection<{ _id: string; resource: { gender?: string; id: string } }>('Patient').find({});
    expect(patients.map((d) => d.resource.gender)).toEqual(['female']);
    const observations = await store.collection<{ _id: string; resource: { subject?: { reference?: string } } }>('Observation').find({});
    expect(observations.map((d) => d.resource.subject?.reference)).toEqual([`Patient/${patients[0].resource.id}`]);
  });
});
