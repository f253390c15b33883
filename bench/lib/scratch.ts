/**
 * An in-process bench's scratch data directory and what runs on it (store, HTTP server, client):
 * closed and removed once, at the end or on Ctrl-C / SIGTERM, so no bench leaves a data dir behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../../src/storage/port';

export interface ScratchParts {
  store?: Store;
  server?: Server;
  /** Closes the bench's client (keep-alive sockets) before the server. */
  closeClient?: () => void;
}

export interface Scratch {
  dataDir: string;
  /** What is running on the directory; set its fields as they start. */
  parts: ScratchParts;
  /** Closes everything and removes the directory (once); also stops listening for the signals. */
  cleanup(): Promise<void>;
}

export async function scratchRun(prefix: string): Promise<Scratch> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const parts: ScratchParts = {};
  let cleaned: Promise<void> | undefined;
  const close = () =>
    (cleaned ??= (async () => {
      parts.closeClient?.();
      const server = parts.server;
      if (server) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      await parts.store?.close().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: cleaning up ${dataDir}`);
    void close().finally(() => process.exit(130));
  };
  // on, not once: a second Ctrl-C (npm passes the signal on) must not end the process mid-cleanup.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    dataDir,
    parts,
    async cleanup() {
      await close();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}
