/**
 * Start-up refusals of the real server process: a data directory held by another process, and bad
 * settings. Each stops the start with a message naming the cause; a running server is unaffected.
 */
import fs from 'node:fs/promises';
import { makeDataDir, spawnServerProcess, startServerProcess, type ServerProcess } from './helpers/test-app';

describe('starting the server', () => {
  let dataDir: string;
  const started: ServerProcess[] = [];

  beforeAll(async () => {
    dataDir = await makeDataDir();
  });

  afterAll(async () => {
    for (const s of started) {
      s.kill('SIGKILL');
      await s.waitExit();
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('a second server on the same data directory exits with code 1 naming the directory, and the first keeps serving', async () => {
    const first = await startServerProcess({ RELAY_DATA_DIR: dataDir });
    started.push(first);
    const created = await fetch(`${first.baseUrl}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Before' }] }),
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location') ?? '';

    const second = await spawnServerProcess({ RELAY_DATA_DIR: dataDir });
    started.push(second);
    const exit = await second.waitExit();
    expect({ exit, stderr: second.stderr }).toEqual({ exit: { code: 1, signal: null }, stderr: expect.stringContaining(dataDir) });
    expect(second.stderr).toMatch(/in use/);
    expect(second.stdout).not.toMatch(/Relay listening/);

    const metadata = await fetch(`${first.baseUrl}/metadata`);
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
    const read = await fetch(`${first.baseUrl}${new URL(location).pathname.replace(/^\/fhir/, '').replace(/\/_history\/1$/, '')}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ resourceType: 'Patient', name: [{ family: 'Before' }] });
  }, 90_000);

  test('after the first server stops on SIGTERM, a new one starts on the same directory and still has its data', async () => {
    const first = started[0];
    first.kill('SIGTERM');
    expect(await first.waitExit()).toEqual({ code: 0, signal: null });

    const next = await startServerProcess({ RELAY_DATA_DIR: dataDir });
    started.push(next);
    const history = await fetch(`${next.baseUrl}/Patient/_history`);
    expect(history.status).toBe(200);
    expect(await history.json()).toMatchObject({ resourceType: 'Bundle', type: 'history', entry: [{ resource: { resourceType: 'Patient', name: [{ family: 'Before' }] } }] });
  }, 60_000);

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['RELAY_BASE_URL', 'not-a-url'],
    ['MONGODB_URI', 'http://x'],
    ['RELAY_MAX_BODY', 'lots'],
    ['HOST', 'bad host!'],
  ])('refuses to start with %s=%s: exit code 2 and a message naming the setting', async (variable, value) => {
    const server = await spawnServerProcess({ RELAY_DATA_DIR: dataDir, [variable]: value });
    started.push(server);
    const exit = await server.waitExit();
    expect({ exit, stderr: server.stderr }).toEqual({ exit: { code: 2, signal: null }, stderr: expect.stringContaining(variable) });
    expect(server.stdout).not.toMatch(/Relay listening/);
  }, 30_000);
});
