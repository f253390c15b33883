/**
 * The tamper-evident audit chain (issue 7): every AuditEvent carries its sequence number and the
 * hash of the event before it; verifyAuditChain (and `npm run audit:verify`) finds a modified or a
 * deleted event, the chain continues across restarts, and concurrent requests keep it sequential.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import { promisify } from 'node:util';
import supertest from 'supertest';
import type { AuditEvent } from '@medplum/fhirtypes';
import { loadConfig } from '../src/config';
import { openStore } from '../src/storage/open';
import { buildApp, prepareStore } from '../src/app';
import type { Store } from '../src/storage/port';
import { verifyAuditChain, describeReport } from '../src/audit/index';
import { linkOf } from '../src/audit/chain';
import { makeDataDir, PROJECT_ROOT, TEST_BASE_URL } from './helpers/test-app';
import { auditIdle, storedEvents } from './helpers/audit';

const FHIR = 'application/fhir+json';

/** Opens the embedded store in `dataDir`, builds the app on it and serves it on port 0. */
async function open(dataDir: string) {
  const config = loadConfig({ RELAY_DATA_DIR: dataDir, RELAY_BASE_URL: TEST_BASE_URL });
  const store = await openStore({ dataDir, journalCompactBytes: config.journalCompactBytes });
  await prepareStore(store, { baseUrl: config.baseUrl });
  const server = http.createServer(buildApp({ config, store, log: () => undefined }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    store,
    request: supertest(server),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

async function traffic(app: { request: ReturnType<typeof supertest> }, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const created = await app.request.post('/fhir/Patient').set('Content-Type', FHIR).send({ resourceType: 'Patient', name: [{ family: `P${i}` }] });
    await app.request.get(`/fhir/Patient/${created.body.id}`);
  }
}

const bySequence = (events: AuditEvent[]) => events.sort((a, b) => (linkOf(a).sequence ?? 0) - (linkOf(b).sequence ?? 0));

/** Replaces an event's stored document, bypassing the API (what an attacker with database access could do). */
async function tamper(store: Store, event: AuditEvent, change: Partial<AuditEvent>): Promise<void> {
  const docs = store.collection('AuditEvent');
  const doc = await docs.findOne({ _id: event.id as string });
  await docs.replaceOne({ _id: event.id as string }, { ...doc, _id: event.id as string, resource: { ...event, ...change } });
}

describe('the audit chain', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await makeDataDir();
  });
  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('verifies: sequences 1..n, each event chained to the previous one', async () => {
    const app = await open(dataDir);
    await traffic(app, 5);
    const events = bySequence(await storedEvents(app));
    expect(events.map((e) => linkOf(e).sequence)).toEqual(events.map((_, i) => i + 1));
    expect(await verifyAuditChain(app.store)).toEqual({ ok: true, count: events.length });
    await app.close();
  });

  it('keeps the chain strictly sequential under concurrent requests', async () => {
    const app = await open(dataDir);
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? app.request.get('/fhir/Patient') : app.request.post('/fhir/Patient').set('Content-Type', FHIR).send({ resourceType: 'Patient' }))));
    await auditIdle(app);
    expect(await verifyAuditChain(app.store)).toEqual({ ok: true, count: 40 });
    await app.close();
  });

  it('continues the chain after a restart', async () => {
    let app = await open(dataDir);
    await traffic(app, 2);
    await app.close();
    app = await open(dataDir);
    await traffic(app, 2);
    const events = bySequence(await storedEvents(app));
    expect(events.map((e) => linkOf(e).sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await verifyAuditChain(app.store)).toEqual({ ok: true, count: 8 });
    await app.close();
  });

  it('detects a modified event: the next event no longer carries its hash', async () => {
    const app = await open(dataDir);
    await traffic(app, 3);
    const events = bySequence(await storedEvents(app));
    await tamper(app.store, events[2], { outcome: '0', outcomeDesc: undefined, recorded: '2020-01-01T00:00:00Z' });
    const report = await verifyAuditChain(app.store);
    expect(report).toMatchObject({ ok: false, sequence: 4, id: events[3].id, count: 3 });
    expect(describeReport(report)).toMatch(/BROKEN at sequence 4 .*event 3 \(or this one\) was modified/);
    await app.close();
  });

  it('detects a modified newest event (against the chain head)', async () => {
    const app = await open(dataDir);
    await traffic(app, 2);
    const events = bySequence(await storedEvents(app));
    await tamper(app.store, events[3], { action: 'R' === events[3].action ? 'C' : 'R' });
    expect(await verifyAuditChain(app.store)).toMatchObject({ ok: false, sequence: 4, problem: expect.stringMatching(/newest .* modified/) });
    await app.close();
  });

  it('detects a deleted event (a sequence gap) and deleted newest events (the head is ahead)', async () => {
    const app = await open(dataDir);
    await traffic(app, 3);
    const events = bySequence(await storedEvents(app));
    await app.store.collection('AuditEvent').deleteOne({ _id: events[5].id as string });
    expect(await verifyAuditChain(app.store)).toMatchObject({ ok: false, sequence: 6, problem: expect.stringMatching(/missing/) });
    await app.store.collection('AuditEvent').deleteOne({ _id: events[1].id as string });
    expect(await verifyAuditChain(app.store)).toMatchObject({ ok: false, sequence: 3, count: 1, problem: expect.stringMatching(/sequence 2 is missing/) });
    await app.close();

    const other = await makeDataDir();
    const second = await open(other);
    await traffic(second, 2);
    const last = bySequence(await storedEvents(second)).at(-1) as AuditEvent;
    await second.store.collection('AuditEvent').deleteOne({ _id: last.id as string });
    expect(await verifyAuditChain(second.store)).toMatchObject({ ok: false, sequence: 4, problem: expect.stringMatching(/newest AuditEvents .* missing/) });
    await second.close();
    await fs.rm(other, { recursive: true, force: true });
  });

  it('npm run audit:verify exits 0 with the count, and 1 naming the break', async () => {
    const app = await open(dataDir);
    await traffic(app, 2);
    const events = bySequence(await storedEvents(app));
    await app.close();
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/audit/cli/verify.ts'], { cwd: PROJECT_ROOT, env: { ...process.env, RELAY_DATA_DIR: dataDir, MONGODB_URI: '' } }).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
    expect(await run()).toEqual({ code: 0, out: 'audit chain OK: 4 AuditEvent(s) verified\n' });
    const store = await openStore({ dataDir, journalCompactBytes: 1 << 30 });
    await tamper(store, events[1], { outcome: '8' });
    await store.close();
    const broken = await run();
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/^audit chain BROKEN at sequence 3/);
  }, 30_000);
});
