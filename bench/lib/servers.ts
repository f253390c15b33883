/**
 * Starts the servers under test as child processes — Relay on the embedded engine in a fresh temp data
 * directory, and optionally the raw Express baseline — runs `work`, then stops them and deletes the
 * directory, also on error or Ctrl-C.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startChild, type Child } from './child';
import { freePort } from './ports';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Running {
  /** Base URL of the raw Express baseline (when started). */
  rawUrl: string;
  /** Origin of Relay; the FHIR base is `${relayUrl}/fhir`. */
  relayUrl: string;
  relay: Child;
  raw: Child | undefined;
}

export interface ServerOptions {
  raw: boolean;
  /** Extra node flags for Relay (e.g. --cpu-prof). */
  relayNodeArgs?: string[];
  /** Extra environment for Relay (e.g. RELAY_MAX_BODY); the bench's own settings (PORT, data dir) win. */
  relayEnv?: Record<string, string>;
}

export async function withServers<T>(options: ServerOptions, work: (running: Running) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relay-npm-bench-'));
  const children: Child[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await Promise.allSettled(children.map((c) => c.stop()));
      await rm(dataDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping servers`);
    void cleanup().finally(() => process.exit(130));
  };
  // on, not once: Ctrl-C often arrives twice (from the terminal and passed on by npm), and a second
  // signal with no handler would end the process before the cleanup (which runs once) has finished.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const [rawPort, relayPort] = await Promise.all([freePort(), freePort()]);
    const env = { ...process.env, HOST: '127.0.0.1', NODE_ENV: 'production' };
    let raw: Child | undefined;
    if (options.raw) {
      raw = await startChild('raw', ['--import', 'tsx', 'bench/raw-express.ts'], { ...env, PORT: String(rawPort) }, /Raw Express listening on/, 30_000, ROOT);
      children.push(raw);
    }
    const entry = process.env.BENCH_RELAY_ENTRY?.trim() || 'src/main.ts';
    const relay = await startChild(
      'relay',
      [...(options.relayNodeArgs ?? []), '--import', 'tsx', entry],
      { ...env, ...options.relayEnv, PORT: String(relayPort), RELAY_DATA_DIR: dataDir, MONGODB_URI: '' },
      /Relay listening on/,
      120_000,
      ROOT,
    );
    children.push(relay);
    if (!relay.readyLine.includes('embedded')) throw new Error(`Relay is not on the embedded engine: ${relay.readyLine}`);
    return await work({ rawUrl: `http://127.0.0.1:${rawPort}`, relayUrl: `http://127.0.0.1:${relayPort}`, relay, raw });
  } catch (err) {
    for (const c of children) console.error(c.tail());
    throw err;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
