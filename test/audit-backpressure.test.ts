/**
 * The audit writer's queue is bounded without losing events (README "Audit trail", RELAY_AUDIT_QUEUE_MAX):
 * while `maxQueue` events are pending, a new request waits (`waitForRoom`) until the store has taken
 * them; events of requests already running are still accepted; every event is stored, in sequence.
 * The store's transactions are held by a gate, so nothing here depends on timing.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import fs from 'node:fs/promises';
import { openStore } from '../src/storage/open';
import type { Collections, Store } from '../src/storage/port';
import { AuditWriter } from '../src/audit/writer';
import { linkOf } from '../src/audit/chain';
import { currentCollection, type CurrentDoc } from '../src/repository/documents';
import { makeDataDir, TEST_BASE_URL } from './helpers/test-app';

let dataDir: string;
let store: Store;
let logged: Record<string, unknown>[];

beforeEach(async () => {
  dataDir = await makeDataDir();
  store = await openStore({ dataDir, mongodbUri: undefined, journalCompactBytes: 64 * 1024 * 1024 });
  logged = [];
});

afterEach(async () => {
  await store.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

/** `store`, whose transactions start only once `open()` is called. */
function gated(inner: Store): { store: Store; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const view = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'transaction') return async <R>(work: (tx: Collections) => Promise<R>) => gate.then(() => target.transaction(work));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: view, open };
}

const event = (n: number): AuditEvent => ({
  resourceType: 'AuditEvent',
  type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
  recorded: new Date(0).toISOString(),
  outcomeDesc: `request ${n}`,
  agent: [{ requestor: true, who: { display: 'test' } }],
  source: { observer: { display: 'test' } },
});

/** Lets every queued callback and pending I/O run a few rounds (no clock involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The stored events' descriptions, in chain order. */
async function storedInOrder(): Promise<string[]> {
  const docs = await store.collection<CurrentDoc>(currentCollection('AuditEvent')).find({ deleted: false });
  const events = docs.map((d) => d.resource as AuditEvent);
  const sequences = events.map((e) => linkOf(e).sequence as number).sort((a, b) => a - b);
  expect(sequences).toEqual(events.map((_, i) => i + 1));
  return events.sort((a, b) => (linkOf(a).sequence as number) - (linkOf(b).sequence as number)).map((e) => e.outcomeDesc as string);
}

describe('audit writer backpressure', () => {
  it('lets new requests in at once while fewer than maxQueue events are pending', async () => {
    const writer = new AuditWriter({ store, baseUrl: TEST_BASE_URL, log: (e) => logged.push(e), maxQueue: 3 });
    void writer.record(event(1));
    void writer.record(event(2));
    expect(writer.waitForRoom()).toBeUndefined();
    await writer.idle();
    expect(await storedInOrder()).toEqual(['request 1', 'request 2']);
  });

  it('holds a new request while maxQueue events are pending, until the store has taken them; loses nothing', async () => {
    const { store: slow, open } = gated(store);
    const writer = new AuditWriter({ store: slow, baseUrl: TEST_BASE_URL, log: (e) => logged.push(e), maxQueue: 3, maxBatch: 2 });
    const committed = [1, 2, 3].map((n) => writer.record(event(n)));

    const room = writer.waitForRoom();
    expect(room).toBeDefined();
    let admitted = false;
    void room?.then(() => (admitted = true));
    // A request already running still hands in its event: accepted, not dropped, though the queue is full.
    committed.push(writer.record(event(4)));
    await settle();
    expect(admitted).toBe(false);
    expect(writer.waitForRoom()).toBeDefined();

    open();
    await room;
    expect(admitted).toBe(true);
    await Promise.all(committed);
    await writer.idle();
    expect(writer.waitForRoom()).toBeUndefined();
    expect(await storedInOrder()).toEqual(['request 1', 'request 2', 'request 3', 'request 4']);
    expect(logged).toEqual([]);
  });

  it('stores every event of a flood far beyond maxQueue, in order', async () => {
    const { store: slow, open } = gated(store);
    const writer = new AuditWriter({ store: slow, baseUrl: TEST_BASE_URL, log: (e) => logged.push(e), maxQueue: 5, maxBatch: 4 });
    const committed = Array.from({ length: 40 }, (_, i) => writer.record(event(i + 1)));
    const waits = Array.from({ length: 10 }, () => writer.waitForRoom());
    expect(waits.every((w) => w !== undefined)).toBe(true);
    open();
    await Promise.all([...committed, ...waits]);
    await writer.idle();
    expect(await storedInOrder()).toEqual(Array.from({ length: 40 }, (_, i) => `request ${i + 1}`));
    expect(logged).toEqual([]);
  });

  it('lets waiting requests go when the writer closes', async () => {
    const { store: slow, open } = gated(store);
    const writer = new AuditWriter({ store: slow, baseUrl: TEST_BASE_URL, log: (e) => logged.push(e), maxQueue: 1 });
    const committed = writer.record(event(1));
    const room = writer.waitForRoom();
    expect(room).toBeDefined();
    const closing = writer.close();
    await room;
    open();
    await Promise.all([committed, closing]);
    expect(await storedInOrder()).toEqual(['request 1']);
  });
});
