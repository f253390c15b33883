/**
 * The port's Collection for the embedded engine, over an Access that says where reads look and how
 * writes run: outside a transaction (committed state; each write its own durable commit) or inside
 * one (the transaction's view; writes buffered until it commits).
 */
import type { Collection, Doc, Filter, FindOptions, IndexOptions, Sort } from '../port';
import { cloneJson } from './clone';
import { projectDocs } from './mingo';
import { count, select } from './select';
import type { Table } from './table';
import type { WriteTx } from './tx';

export interface Access {
  /** Runs a read against the tables of collection `name`, bottom first. */
  read<R>(name: string, fn: (layers: Table[]) => R): Promise<R>;
  /** Runs a write; resolves once it is durable (or buffered, inside a transaction). */
  write<R>(fn: (tx: WriteTx) => R): Promise<R>;
  /** Whether createIndex is allowed here (not inside a transaction). */
  readonly canCreateIndex: boolean;
}

export class EmbeddedCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly name: string,
    private readonly access: Access,
  ) {}

  find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.access.read(this.name, (layers) => output<T>(select(layers, filter, options), options));
  }

  findOne(filter: Filter, options: Omit<FindOptions, 'limit'> = {}): Promise<T | null> {
    return this.access.read(this.name, (layers) => output<T>(select(layers, filter, { ...options, limit: 1 }), options)[0] ?? null);
  }

  countDocuments(filter: Filter): Promise<number> {
    return this.access.read(this.name, (layers) => count(layers, filter));
  }

  insertOne(doc: T): Promise<void> {
    return this.access.write((tx) => tx.insertOne(this.name, doc));
  }

  replaceOne(filter: Filter, doc: T, options: { upsert?: boolean } = {}): Promise<{ matchedCount: number; upsertedCount: number }> {
    return this.access.write((tx) => tx.replaceOne(this.name, filter, doc, options.upsert === true));
  }

  deleteOne(filter: Filter): Promise<{ deletedCount: number }> {
    return this.access.write((tx) => ({ deletedCount: tx.delete(this.name, filter, false) }));
  }

  deleteMany(filter: Filter): Promise<{ deletedCount: number }> {
    return this.access.write((tx) => ({ deletedCount: tx.delete(this.name, filter, true) }));
  }

  async createIndex(keys: Sort, options: IndexOptions = {}): Promise<void> {
    if (!this.access.canCreateIndex) throw new Error('createIndex is not allowed inside a transaction; declare indexes at start-up');
    return this.access.write((tx) => tx.createIndex(this.name, keys, options.unique === true));
  }
}

/** Projected copies: callers may mutate results without touching the store. */
function output<T extends Doc>(docs: Doc[], options: FindOptions): T[] {
  if (!options.projection) return docs.map((d) => cloneJson(d) as T);
  return projectDocs(docs, options.projection).map((d) => cloneJson(idFirst(d)) as T);
}

/** MongoDB returns _id first; mingo's projection appends it last. */
function idFirst(doc: Doc): Doc {
  if (!('_id' in doc)) return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}
