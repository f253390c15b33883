/**
 * Starts Relay: the only reader of process.env. Loads config, opens the store (embedded unless
 * MONGODB_URI is set), builds the app and listens. Bad settings and a held data directory stop the
 * start with a message naming the cause.
 */
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { openStore } from './storage/open';
import { buildApp, prepareStore } from './app';
import { answerClientErrors } from './http/server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Relay cannot start: invalid setting ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = (msg: string) => console.error(msg);
  let store;
  try {
    store = await openStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri, journalCompactBytes: config.journalCompactBytes, blobKeyFile: config.blobKeyFile, log });
    await prepareStore(store, { baseUrl: config.baseUrl, log });
  } catch (err) {
    console.error(`Relay cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  let app;
  try {
    app = buildApp({ config, store });
  } catch (err) {
    // e.g. an unreadable signing key in RELAY_DATA_DIR/auth (RELAY_AUTH=smart)
    console.error(`Relay cannot start: ${(err as Error).message}`);
    await store.close();
    process.exit(1);
  }
  const server: Server = app.listen(config.port, config.host);
  answerClientErrors(server);
  server.on('error', (err) => {
    console.error(`Relay cannot start: cannot listen on ${config.host}:${config.port}: ${err.message}`);
    void store.close().finally(() => process.exit(1));
  });
  server.on('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const where = store.engine === 'embedded' ? `embedded store in ${config.dataDir}` : 'MongoDB';
    console.log(`Relay listening on http://${config.host}:${port}/fhir (${where}); public base ${config.baseUrl}; auth ${config.auth}`);
  });
  const stop = (signal: string) => {
    console.log(`Relay stopping (${signal})`);
    server.close();
    void store.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

void main();
