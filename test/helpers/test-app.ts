/**
 * Shared helpers for cross-cutting tests: the real app in-process on a fresh data directory
 * (startTestApp), and the real server as a child process (startServerProcess).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import type { Express } from 'express';
import { loadConfig, SETTINGS, type Config } from '../../src/config';
import { openStore } from '../../src/storage/open';
import { buildApp, prepareStore } from '../../src/app';
import { answerClientErrors } from '../../src/http/server';
import type { Store } from '../../src/storage/port';
import { implementationGuide } from '../../src/conformance/package';

/**
 * How many resources of Relay's implementation guide (profiles/package) every store holds from the
 * start (of one type, or of all): system history and counts include them.
 */
export function installedCount(type?: string): number {
  return implementationGuide().resources.filter((r) => type === undefined || r.resourceType === type).length;
}

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const TEST_BASE_URL = 'http://relay.test/fhir';

export interface TestApp {
  app: Express;
  /** supertest bound to one HTTP server on port 0 (not a new server per request). */
  request: ReturnType<typeof supertest>;
  store: Store;
  config: Config;
  dataDir: string;
  /** Events the app logged (unhandled errors carry their stack here). */
  logged: Record<string, unknown>[];
  /** Where the test server really listens, e.g. http://127.0.0.1:41234 (for clients other than supertest). */
  origin: string;
  close(): Promise<void>;
}

/** Makes a temporary data directory, opens the embedded store there and builds the app on it. */
export async function startTestApp(overrides: Partial<Config> = {}, options: { clock?: () => Date } = {}): Promise<TestApp> {
  const dataDir = await makeDataDir();
  // No background escalation (its timer would act between a test's steps); tests call Task/$escalate.
  const config: Config = { ...loadConfig({ RELAY_DATA_DIR: dataDir, RELAY_BASE_URL: TEST_BASE_URL, RELAY_ESCALATION_INTERVAL: '0' }), ...overrides };
  const store = await openStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri, journalCompactBytes: config.journalCompactBytes });
  const logged: Record<string, unknown>[] = [];
  await prepareStore(store, { baseUrl: config.baseUrl });
  const app = buildApp({ config, store, log: (event) => logged.push(event), clock: options.clock });
  const server = http.createServer(app);
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    app,
    request: supertest(server),
    store,
    config,
    dataDir,
    logged,
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh, empty directory under the OS temp dir. */
export function makeDataDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'relay-test-'));
}

/** A TCP port that was free a moment ago (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  /** http://127.0.0.1:PORT/fhir */
  baseUrl: string;
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves once the process has exited (immediately if it already has). */
  waitExit(): Promise<Exit>;
}

const READY = /Relay listening on /;
const START_TIMEOUT_MS = 30_000;

/**
 * Spawns `node --import tsx src/main.ts` with PORT (a free one unless given), HOST 127.0.0.1 and
 * `env` on top of the inherited environment. Does not wait for it to be ready.
 */
export async function spawnServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...inheritedEnv(), HOST: '127.0.0.1', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitExit: () => exited,
  };
}

/** This process's environment without any of Relay's settings, so a child sees only what a test gives it. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const s of SETTINGS) delete env[s.env];
  return env;
}

/** Spawns the server and resolves when it prints "Relay listening"; rejects (with its stderr) if it exits first or takes over 30 s. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServerProcess(env);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.kill('SIGKILL');
      reject(new Error(`server did not report ready within ${START_TIMEOUT_MS} ms; stderr:\n${server.stderr}`));
    }, START_TIMEOUT_MS);
    const done = (err?: Error) => {
      clearTimeout(timer);
      server.child.stdout?.off('data', onData);
      if (err) reject(err);
      else resolve();
    };
    const onData = () => {
      if (READY.test(server.stdout)) done();
    };
    server.child.stdout?.on('data', onData);
    void server.waitExit().then(({ code, signal }) => done(new Error(`server exited (code ${code}, signal ${signal}) before it was ready; stderr:\n${server.stderr}`)));
    onData();
  });
  return server;
}
