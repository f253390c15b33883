/**
 * The storage port: a small, Mongo-shaped collection API (a subset of the official driver's
 * Db/Collection calls). Every engine answers the very same filter documents, so the FHIR repository
 * and the search compiler are written once. Semantics follow the MongoDB manual for each call.
 */

/** A MongoDB query filter document (https://www.mongodb.com/docs/manual/tutorial/query-documents/). */
export type Filter = Record<string, unknown>;

/** A sort specification: field path → 1 ascending, -1 descending, applied in key order. */
export type Sort = Record<string, 1 | -1>;

/** Inclusion (1) or exclusion (0) projection; `_id` is always returned unless excluded. */
export type Projection = Record<string, 0 | 1>;

/** A stored document. `_id` is a string chosen by the caller. */
export interface Doc {
  _id: string;
  [field: string]: unknown;
}

export interface FindOptions {
  sort?: Sort;
  skip?: number;
  limit?: number;
  projection?: Projection;
}

export interface IndexOptions {
  unique?: boolean;
}

/** Raised by insertOne/replaceOne when a unique index (including `_id`) would be violated. */
export class DuplicateKeyError extends Error {
  constructor(
    readonly collection: string,
    readonly key: string,
  ) {
    super(`duplicate key in ${collection}: ${key}`);
    this.name = 'DuplicateKeyError';
  }
}

/** One collection. Writes are durable when their promise resolves. */
export interface Collection<T extends Doc = Doc> {
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  findOne(filter: Filter, options?: Omit<FindOptions, 'limit'>): Promise<T | null>;
  countDocuments(filter: Filter): Promise<number>;
  /** Inserts a new document; throws DuplicateKeyError when `_id` or a unique index clashes. */
  insertOne(doc: T): Promise<void>;
  /**
   * Replaces the first document matching `filter` (which usually pins `_id` and a version, making
   * the write a compare-and-set). With `upsert`, inserts `doc` when nothing matches.
   */
  replaceOne(filter: Filter, doc: T, options?: { upsert?: boolean }): Promise<{ matchedCount: number; upsertedCount: number }>;
  deleteOne(filter: Filter): Promise<{ deletedCount: number }>;
  deleteMany(filter: Filter): Promise<{ deletedCount: number }>;
  /** Declares an index; idempotent. Engines use it to answer equality lookups without a scan. */
  createIndex(keys: Sort, options?: IndexOptions): Promise<void>;
}

/** The collections visible inside one transaction (or outside any). */
export interface Collections {
  collection<T extends Doc = Doc>(name: string): Collection<T>;
  /** Names of collections that hold (or held) documents, including ones created in this transaction. */
  listCollections(): Promise<string[]>;
}

import type { BlobStore } from './blobs';

/** An opened store. */
export interface Store extends Collections {
  /** Which engine serves this store, for logs and the CapabilityStatement only. */
  readonly engine: 'embedded' | 'mongodb';
  /**
   * True when `transaction` is all-or-nothing. A standalone MongoDB server has no multi-document
   * transactions: there `transaction` runs its work without one, and a FHIR transaction Bundle
   * (R4 http.html#transaction), which must be atomic, is refused.
   */
  readonly transactional: boolean;
  /**
   * True when `transaction` may run `work` more than once (MongoDB's withTransaction runs it again
   * after a transient error, such as a write conflict with a concurrent request): work that lets go
   * of its input as it goes (a large Bundle's entries) must then keep it until the end.
   */
  readonly rerunsTransactions: boolean;
  /**
   * Runs `work` so that all its writes become visible and durable together, or not at all (an error
   * thrown by `work` discards them). Reads inside `work` see its own earlier writes.
   */
  transaction<R>(work: (tx: Collections) => Promise<R>): Promise<R>;
  /** Large binary content beside the collections, streamed in and out (storage/blobs.ts). */
  readonly blobs: BlobStore;
  /**
   * Registers how to stop background work on this store (such as the blob sweep); close() awaits
   * every registered stop before it closes anything.
   */
  onClose(stop: () => Promise<void>): void;
  close(): Promise<void>;
}
