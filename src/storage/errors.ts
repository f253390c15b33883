/**
 * Errors the storage engines raise besides the port's DuplicateKeyError. Each message names what
 * failed and what to do about it, because most of them end up on an operator's console at start-up.
 */

/** The data directory is held by another Relay process (or already open in this one). */
export class StoreLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    sameProcess = false,
  ) {
    super(
      sameProcess
        ? `data directory ${dataDir} is already open in this Relay process (pid ${pid}); close the other store first`
        : `data directory ${dataDir} is in use by another Relay process (pid ${pid}); stop it or choose another RELAY_DATA_DIR`,
    );
    this.name = 'StoreLockedError';
  }
}

/** MongoDB could not be reached at start-up. `hosts` never carries credentials. */
export class StoreUnavailableError extends Error {
  constructor(
    readonly hosts: string[],
    detail: string,
  ) {
    super(`MongoDB is unavailable at ${hosts.join(',')}: ${detail}`);
    this.name = 'StoreUnavailableError';
  }
}

/** A journal or snapshot is damaged in a way that recovery must not guess about. */
export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file} is damaged: ${detail}; Relay will not open it (move the data directory aside and restore a backup)`);
    this.name = 'StoreCorruptError';
  }
}

/** A write could not be made durable; the store refuses further writes until it is reopened. */
export class StoreFailedError extends Error {
  constructor(cause: unknown) {
    super(`the store stopped accepting writes after an I/O failure (${(cause as Error)?.message ?? String(cause)}); restart Relay`, { cause });
    this.name = 'StoreFailedError';
  }
}

/** The store was used after close(). */
export class StoreClosedError extends Error {
  constructor() {
    super('the store is closed');
    this.name = 'StoreClosedError';
  }
}

/**
 * A transaction committed nothing because an operation inside it failed, even if `work` caught that
 * error (MongoDB aborts a transaction on any failed write; both engines behave alike), or because it
 * ran past its time limit.
 */
export class TransactionAbortedError extends Error {
  constructor(reason: string, cause?: unknown) {
    super(`transaction aborted: ${reason}`, { cause });
    this.name = 'TransactionAbortedError';
  }

  /** The error for a transaction in which `cause` was thrown by an operation. */
  static after(cause: unknown): TransactionAbortedError {
    return new TransactionAbortedError(`an operation inside it failed (${(cause as Error)?.message ?? String(cause)})`, cause);
  }
}

/**
 * A document exceeds a limit MongoDB enforces (more than 100 levels of nested objects and arrays, or
 * more than 16 MiB), so both engines refuse it alike instead of the embedded engine storing what
 * MongoDB would reject.
 */
export class DocumentLimitError extends Error {
  constructor(
    readonly collection: string,
    readonly id: unknown,
    readonly limit: 'depth' | 'size',
    detail: string,
  ) {
    super(`document ${JSON.stringify(id)} in ${collection} ${detail}`);
    this.name = 'DocumentLimitError';
  }
}
