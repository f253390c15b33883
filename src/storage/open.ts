/**
 * Opens the configured storage engine: MongoDB when a URI is given, otherwise the embedded engine in
 * the data directory.
 */
import type { Store } from './port';
import { openEmbeddedStore } from './embedded/store';
import { openMongoStore } from './mongo/store';

export interface OpenStoreOptions {
  dataDir: string;
  mongodbUri?: string;
  /** Embedded engine: journal size in bytes that triggers a snapshot and a fresh journal. */
  journalCompactBytes: number;
  /**
   * Key file of the keys blob content is encrypted with (RELAY_BLOB_KEY_FILE). Absent: the embedded engine
   * creates `<dataDir>/blob-keys.json`; MongoDB stores blobs unencrypted (with a warning).
   */
  blobKeyFile?: string;
  log?: (msg: string) => void;
}

/** Opens the store; throws StoreLockedError, StoreUnavailableError or StoreCorruptError with a clear message. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.mongodbUri) return openMongoStore({ uri: options.mongodbUri, blobKeyFile: options.blobKeyFile, log: options.log });
  return openEmbeddedStore({ dataDir: options.dataDir, journalCompactBytes: options.journalCompactBytes, blobKeyFile: options.blobKeyFile, log: options.log });
}
