/**
 * The Collections a transaction's `work` receives: reads see the transaction's own writes, writes are
 * buffered in its overlay, and any failed operation aborts the whole transaction (as on MongoDB),
 * even if `work` catches the error.
 */
import { TransactionAbortedError } from '../errors';
import type { Collection, Collections, Doc } from '../port';
import { checkCollectionName } from '../limits';
import { EmbeddedCollection, type Access } from './collection';
import type { WriteTx } from './tx';

export class TransactionView implements Collections {
  failure: unknown = undefined;
  finished = false;
  private readonly handles = new Map<string, Collection>();
  private readonly access: Access;

  constructor(readonly tx: WriteTx) {
    const guard = <R>(fn: () => R): Promise<R> => {
      try {
        if (this.finished) throw new Error('this transaction has already ended');
        if (this.failure !== undefined) throw TransactionAbortedError.after(this.failure);
        return Promise.resolve(fn());
      } catch (err) {
        if (this.failure === undefined && !this.finished) this.failure = err;
        return Promise.reject(err);
      }
    };
    this.access = {
      canCreateIndex: false,
      read: (name, fn) => guard(() => fn(tx.layers(name))),
      write: (fn) => guard(() => fn(tx)),
    };
  }

  collection<T extends Doc = Doc>(name: string): Collection<T> {
    let handle = this.handles.get(name);
    if (!handle) {
      checkCollectionName(name);
      this.handles.set(name, (handle = new EmbeddedCollection(name, this.access)));
    }
    return handle as unknown as Collection<T>;
  }

  async listCollections(): Promise<string[]> {
    if (this.finished) throw new Error('this transaction has already ended');
    return this.tx.collectionNames();
  }
}
