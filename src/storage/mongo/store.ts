/**
 * The MongoDB engine: each port call is the official driver's call of the same name. Transactions use
 * `session.withTransaction` on a replica set or sharded cluster; a standalone server has no
 * transactions, so there `work` runs without one (and a warning is logged once at open).
 */
import { BSON, MongoClient, MongoError, MongoServerError, type ClientSession, type Db, type Document, type Filter as MongoFilter } from 'mongodb';
import { StoreUnavailableError, TransactionAbortedError } from '../errors';
import { DuplicateKeyError, type Collection, type Collections, type Doc, type Filter, type FindOptions, type IndexOptions, type Sort, type Store } from '../port';
import { checkCollectionName, checkDepth, checkSize } from '../limits';
import { parseMongoUri, redact } from './uri';
import { openGridFsBlobStore } from './blobs';
import type { BlobStore } from '../blobs';
import { readKeyFile, type KeyRing } from '../crypto/keys';

export interface MongoOptions {
  uri: string;
  /** RELAY_BLOB_KEY_FILE: GridFS content is encrypted with its keys; absent, it is stored unencrypted. */
  blobKeyFile?: string;
  log?: (msg: string) => void;
  serverSelectionTimeoutMS?: number;
}

/** Connects, checks the server answers, and detects whether it supports transactions. */
export async function openMongoStore(options: MongoOptions): Promise<Store> {
  const { hosts, dbName, password } = parseMongoUri(options.uri);
  const timeout = options.serverSelectionTimeoutMS ?? 5000;
  // Read first: a bad key file stops the start before any connection.
  const keys = options.blobKeyFile ? readKeyFile(options.blobKeyFile) : null;
  if (!keys) options.log?.('RELAY_BLOB_KEY_FILE is not set: Binary content in GridFS is stored unencrypted (set it to encrypt content at rest)');
  let client: MongoClient;
  try {
    client = new MongoClient(options.uri, { serverSelectionTimeoutMS: timeout, ignoreUndefined: true });
  } catch (err) {
    throw new StoreUnavailableError(hosts, `MONGODB_URI is not a valid connection string (${redact((err as Error).message, password)})`);
  }
  let hello: Document;
  try {
    await client.connect();
    hello = await client.db(dbName).command({ hello: 1 });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new StoreUnavailableError(hosts, `tried to connect and run "hello" with a ${timeout} ms server selection timeout: ${redact((err as Error).message, password)}`);
  }
  const transactional = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
  if (!transactional) options.log?.('MongoDB is a standalone server: writes are not atomic and transaction Bundles are refused (501); use a replica set in production');
  return new MongoStore(client, client.db(dbName), transactional, keys);
}

class MongoStore implements Store {
  readonly engine = 'mongodb' as const;
  private readonly outside: View;
  /** GridFS bucket `blobs` (mongo/blobs.ts). */
  readonly blobs: BlobStore;
  private readonly stops: (() => Promise<void>)[] = [];

  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    readonly transactional: boolean,
    keys: KeyRing | null,
  ) {
    this.outside = new View(db, undefined, false);
    this.blobs = openGridFsBlobStore(db, keys);
  }

  /** withTransaction runs the work again after a transient error (a write conflict with a concurrent transaction). */
  get rerunsTransactions(): boolean {
    return this.transactional;
  }

  collection<T extends Doc = Doc>(name: string): Collection<T> {
    return this.outside.collection<T>(name);
  }

  listCollections(): Promise<string[]> {
    return this.outside.listCollections();
  }

  async transaction<R>(work: (tx: Collections) => Promise<R>): Promise<R> {
    if (!this.transactional) return runWork(new View(this.db, undefined, true), work);
    const session = this.client.startSession();
    try {
      return await session.withTransaction(() => runWork(new View(this.db, session, true), work), {
        readConcern: { level: 'snapshot' },
        writeConcern: { w: 'majority' },
        readPreference: 'primary',
      });
    } finally {
      await session.endSession();
    }
  }

  onClose(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  async close(): Promise<void> {
    await Promise.all(this.stops.splice(0).map((stop) => stop()));
    return this.client.close();
  }
}

/** Runs `work`; if an operation inside it failed (even one `work` caught), the transaction fails too. */
async function runWork<R>(view: View, work: (tx: Collections) => Promise<R>): Promise<R> {
  try {
    const result = await work(view);
    const failure = view.failure;
    if (failure !== undefined) {
      if (failure instanceof MongoError && failure.hasErrorLabel('TransientTransactionError')) throw failure;
      throw TransactionAbortedError.after(failure);
    }
    return result;
  } finally {
    view.finished = true;
  }
}

/** Collections bound to an optional session; inside a transaction it records the first failure. */
class View implements Collections {
  failure: unknown = undefined;
  finished = false;
  /** Collections written in this transaction (listCollections cannot run inside one). */
  readonly touched = new Set<string>();

  constructor(
    readonly db: Db,
    readonly session: ClientSession | undefined,
    readonly inTransaction: boolean,
  ) {}

  collection<T extends Doc = Doc>(name: string): Collection<T> {
    checkCollectionName(name);
    return new MongoCollection<T>(name, this);
  }

  async listCollections(): Promise<string[]> {
    const names = (await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.'));
    return [...new Set([...names, ...this.touched])].sort();
  }

  /** Runs one driver call, mapping duplicate keys and, in a transaction, recording failures. */
  async run<R>(name: string, call: () => Promise<R>): Promise<R> {
    if (this.inTransaction) {
      if (this.finished) throw new Error('this transaction has already ended');
      if (this.failure !== undefined) throw TransactionAbortedError.after(this.failure);
    }
    try {
      return await call();
    } catch (err) {
      const mapped = err instanceof MongoServerError && err.code === 11000 ? new DuplicateKeyError(name, JSON.stringify(err.keyValue ?? err.message)) : err;
      if (this.inTransaction && this.failure === undefined) this.failure = mapped;
      throw mapped;
    }
  }
}

class MongoCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly name: string,
    private readonly view: View,
  ) {}

  private get coll() {
    return this.view.db.collection<Doc>(this.name);
  }

  find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    const { sort, skip, limit, projection } = options;
    return this.view.run(this.name, async () => (await this.coll.find(filter as MongoFilter<Doc>, { session: this.view.session, sort, skip, limit, projection }).toArray()) as unknown as T[]);
  }

  findOne(filter: Filter, options: Omit<FindOptions, 'limit'> = {}): Promise<T | null> {
    const { sort, skip, projection } = options;
    return this.view.run(this.name, async () => (await this.coll.findOne(filter as MongoFilter<Doc>, { session: this.view.session, sort, skip, projection })) as unknown as T | null);
  }

  countDocuments(filter: Filter): Promise<number> {
    return this.view.run(this.name, () => this.coll.countDocuments(filter as MongoFilter<Doc>, { session: this.view.session }));
  }

  insertOne(doc: T): Promise<void> {
    this.view.touched.add(this.name);
    return this.view.run(this.name, async () => {
      checkLimits(this.name, doc);
      await this.coll.insertOne({ ...doc } as Doc, { session: this.view.session });
    });
  }

  replaceOne(filter: Filter, doc: T, options: { upsert?: boolean } = {}): Promise<{ matchedCount: number; upsertedCount: number }> {
    this.view.touched.add(this.name);
    return this.view.run(this.name, async () => {
      checkLimits(this.name, doc);
      const r = await this.coll.replaceOne(filter as MongoFilter<Doc>, doc, { session: this.view.session, upsert: options.upsert === true });
      return { matchedCount: r.matchedCount, upsertedCount: r.upsertedCount };
    });
  }

  deleteOne(filter: Filter): Promise<{ deletedCount: number }> {
    return this.view.run(this.name, async () => ({ deletedCount: (await this.coll.deleteOne(filter as MongoFilter<Doc>, { session: this.view.session })).deletedCount }));
  }

  deleteMany(filter: Filter): Promise<{ deletedCount: number }> {
    return this.view.run(this.name, async () => ({ deletedCount: (await this.coll.deleteMany(filter as MongoFilter<Doc>, { session: this.view.session })).deletedCount }));
  }

  async createIndex(keys: Sort, options: IndexOptions = {}): Promise<void> {
    if (this.view.inTransaction) throw new Error('createIndex is not allowed inside a transaction; declare indexes at start-up');
    await this.view.run(this.name, () => this.coll.createIndex(keys, { unique: options.unique === true }));
  }
}

/** The same document limits as the embedded engine, so both refuse with DocumentLimitError. */
function checkLimits(collection: string, doc: Doc): void {
  checkDepth(collection, doc);
  checkSize(collection, doc._id, BSON.calculateObjectSize(doc));
}
