/**
 * The stored form of a caller's document: a deep copy with JSON semantics (exactly what a JSON round
 * trip, and so the journal's replay, would give) whose objects and arrays are frozen, and whose
 * strings are shared with the caller's (strings are immutable). No JSON text is made: a large
 * transaction's documents do not exist once as objects and again as text.
 *
 * Because stored documents are frozen, one stored object can be part of several documents: the
 * resource of a current document and of its history entry is stored once (`SharedParts`). Nothing
 * can change it through either; readers get copies (collection.ts), as before.
 */
import type { Doc } from '../port';

/** A bound of the JSON size of what `storedCopy` copied: each string counted as if every character were escaped. */
export interface Copied<T> {
  value: T;
  /** At least the UTF-8 byte length of the value's JSON (at most 6 bytes per string character). */
  maxJsonBytes: number;
}

/**
 * Frozen copies of the objects directly under the documents of one write unit, by the caller's
 * object: a second document holding the very same object (unchanged since) gets the same copy.
 */
export class SharedParts {
  private readonly copies = new WeakMap<object, { value: unknown; maxJsonBytes: number }>();

  /** `canon`: the store's canonical small values, shared by every document that holds an equal one. */
  constructor(private readonly canon?: Canon) {}

  /** The stored, frozen form of `doc`, sharing parts already copied when the caller's object is unchanged. */
  copy(doc: Doc): Copied<Doc> {
    const out: Record<string, unknown> = {};
    let bytes = 2;
    for (const key of Object.keys(doc)) {
      const raw = (doc as Record<string, unknown>)[key];
      const part = this.part(raw, key);
      if (part === undefined) continue;
      define(out, key, part.value);
      bytes += key.length * 6 + 4 + part.maxJsonBytes;
    }
    return { value: Object.freeze(out) as Doc, maxJsonBytes: bytes };
  }

  private part(raw: unknown, key: string): { value: unknown; maxJsonBytes: number } | undefined {
    if (raw === null || typeof raw !== 'object') return this.canonical(copyValue(raw, key, false, this.canon));
    const known = this.copies.get(raw);
    if (known && sameJson(raw, known.value)) return known;
    const made = this.canonical(copyValue(raw, key, false, this.canon));
    if (made !== undefined) this.copies.set(raw, made);
    return made;
  }

  /** A document's small fields are the largest small values there: canonical. */
  private canonical(copied: CopiedValue | undefined): { value: unknown; maxJsonBytes: number } | undefined {
    if (!copied || !this.canon || copied.size > CANON_BYTES) return copied;
    return { value: this.canon.of(copied.value), maxJsonBytes: copied.maxJsonBytes };
  }
}

interface CopiedValue {
  value: unknown;
  maxJsonBytes: number;
  /** The length of its JSON if no character needs escaping: what decides whether it is small. */
  size: number;
}

/** Objects and arrays whose JSON is about this long or shorter are made canonical (see Canon). */
const CANON_BYTES = 256;

/**
 * `value` as JSON.parse(JSON.stringify(value)) would give it, frozen; undefined where JSON leaves the
 * property out. With `canon`, each largest small object or array inside it (one whose parent is not
 * small) is replaced by its canonical instance; a small value itself is left for its parent to decide.
 */
function copyValue(input: unknown, key: string, inArray: boolean, canon: Canon | undefined): CopiedValue | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON(key: string): unknown }).toJSON(key);
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  switch (typeof value) {
    case 'string':
      return { value, maxJsonBytes: value.length * 6 + 2, size: value.length + 2 };
    case 'number':
      return Number.isFinite(value) ? { value: value === 0 ? 0 : value, maxJsonBytes: 24, size: 8 } : { value: null, maxJsonBytes: 4, size: 4 };
    case 'boolean':
      return { value, maxJsonBytes: 5, size: 5 };
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return inArray ? { value: null, maxJsonBytes: 4, size: 4 } : undefined;
  }
  if (value === null) return { value: null, maxJsonBytes: 4, size: 4 };
  let bytes = 2;
  let size = 2;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyValue(value[i], String(i), true, canon) as CopiedValue;
      bytes += item.maxJsonBytes + 1;
      if (canon && size <= CANON_BYTES && size + item.size + 1 > CANON_BYTES) {
        // Too large to be canonical itself after all: the parts so far (all small) become canonical.
        for (let j = 0; j < i; j++) out[j] = canon.of(out[j]);
      }
      size += item.size + 1;
      out[i] = canon && size > CANON_BYTES && item.size <= CANON_BYTES ? canon.of(item.value) : item.value;
    }
    return { value: Object.freeze(out), maxJsonBytes: bytes, size };
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value as object)) {
    const item = copyValue((value as Record<string, unknown>)[k], k, false, canon);
    if (item === undefined) continue;
    bytes += k.length * 6 + 4 + item.maxJsonBytes;
    const more = k.length + 4 + item.size;
    if (canon && size <= CANON_BYTES && size + more > CANON_BYTES) {
      for (const j of Object.keys(out)) define(out, j, canon.of(out[j]));
    }
    size += more;
    define(out, k, canon && size > CANON_BYTES && item.size <= CANON_BYTES ? canon.of(item.value) : item.value);
  }
  return { value: Object.freeze(out), maxJsonBytes: bytes, size };
}

/**
 * The store's canonical instances of small JSON values: one frozen object or array for each distinct
 * small value, so that the codings, systems, units and index entries repeated in thousands of
 * documents are held once (stored values are frozen, so any number of documents may share one).
 * Bounded: a generation holds `capacity` values; a full generation becomes the old one (values found
 * there move to the new one) and the previous old one is dropped, so a value stays canonical while it
 * keeps recurring. A value dropped from here stays in the documents that hold it: only sharing is lost.
 */
export class Canon {
  private values = new Map<string, object>();
  private old = new Map<string, object>();

  constructor(private readonly capacity = 8192) {}

  /** The canonical instance of a frozen JSON value (objects and arrays; other values are returned as they are). */
  of(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    const key = JSON.stringify(value);
    const found = this.values.get(key);
    if (found !== undefined) return found;
    const canonical = this.old.get(key) ?? value;
    this.values.set(key, canonical);
    if (this.values.size >= this.capacity) {
      this.old = this.values;
      this.values = new Map();
    }
    return canonical;
  }
}

/**
 * Makes a document parsed from JSON (journal replay, snapshot load) a stored document in place: each
 * largest small value replaced by its canonical instance, as `SharedParts.copy` does on a write, and
 * every object and array frozen. The parse's objects are kept, not copied.
 */
export function adoptParsed(doc: Doc, canon: Canon): Doc {
  for (const key of Object.keys(doc)) {
    const value = (doc as Record<string, unknown>)[key];
    if (settleParsed(value, canon) <= CANON_BYTES) define(doc as Record<string, unknown>, key, canon.of(value));
  }
  return Object.freeze(doc);
}

/** Freezes a parsed value in place, making its largest small parts canonical; returns its size as copyValue counts it. */
function settleParsed(value: unknown, canon: Canon): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
  }
  if (value === null || typeof value !== 'object') return 4;
  // Frozen: a value adopted already, by an earlier document that holds it too (a back-reference).
  if (Object.isFrozen(value)) return Infinity;
  let size = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const itemSize = settleParsed(value[i], canon);
      if (size <= CANON_BYTES && size + itemSize + 1 > CANON_BYTES) for (let j = 0; j < i; j++) value[j] = canon.of(value[j]);
      size += itemSize + 1;
      if (size > CANON_BYTES && itemSize <= CANON_BYTES) value[i] = canon.of(value[i]);
    }
  } else {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const itemSize = settleParsed(record[keys[i]], canon);
      const more = keys[i].length + 4 + itemSize;
      if (size <= CANON_BYTES && size + more > CANON_BYTES) for (let j = 0; j < i; j++) define(record, keys[j], canon.of(record[keys[j]]));
      size += more;
      if (size > CANON_BYTES && itemSize <= CANON_BYTES) define(record, keys[i], canon.of(record[keys[i]]));
    }
  }
  Object.freeze(value);
  return size;
}

/** Sets `out[key]`, keeping an own `__proto__` key a plain property (as JSON.parse makes it). */
export function define(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/**
 * Whether `stored` (a frozen copy) is what copying `source` now would give. Conservative: anything
 * JSON would transform (toJSON, undefined, non-finite numbers) answers false, and a fresh copy is made.
 */
export function sameJson(source: unknown, stored: unknown): boolean {
  if (source === stored) return typeof source !== 'number' || source !== 0 || Object.is(source, 0);
  if (source === null || stored === null || typeof source !== 'object' || typeof stored !== 'object') return false;
  if (Array.isArray(source)) {
    if (!Array.isArray(stored) || source.length !== stored.length) return false;
    for (let i = 0; i < source.length; i++) if (!sameJson(source[i], stored[i])) return false;
    return true;
  }
  if (Array.isArray(stored) || typeof (source as { toJSON?: unknown }).toJSON === 'function') return false;
  if (source instanceof Number || source instanceof String || source instanceof Boolean) return false;
  const a = Object.keys(source);
  const b = Object.keys(stored);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] || !sameJson((source as Record<string, unknown>)[a[i]], (stored as Record<string, unknown>)[b[i]])) return false;
  }
  return true;
}
