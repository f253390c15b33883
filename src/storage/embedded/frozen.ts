/**
 * The stored form of a caller's document: a deep copy with JSON semantics (exactly what a JSON round
 * trip, and so the journal's replay, would give) whose objects and arrays are frozen, and whose
 * strings are shared with the caller's (strings are immutable) or, when short, with the other stored
 * documents (intern.ts). No JSON text is made: a large
 * transaction's documents do not exist once as objects and again as text. Past a bound, a write
 * unit's resources and search values go to the spill file instead (spill.ts): there they are only text, on disk.
 *
 * Because stored documents are frozen, one stored object can be part of several documents: the
 * resource of a current document and of its history entry is stored once (`SharedParts`). Nothing
 * can change it through either; readers get copies (collection.ts), as before.
 */
import type { Doc } from '../port';
import type { Interner } from './intern';
import { defineSpilled, Spilled, type SpillFile } from './spill';

/** A bound of the JSON size of what `storedCopy` copied: each string counted as if every character were escaped. */
export interface Copied<T> {
  value: T;
  /** At least the UTF-8 byte length of the value's JSON (at most 6 bytes per string character). */
  maxJsonBytes: number;
}

/** Where a write unit puts the large fields of its documents once they have grown large (spill.ts). */
export interface SpillPolicy {
  /** The store's spill file, opened on first use; undefined if none can be opened (the fields then stay in the heap). */
  file(): SpillFile | undefined;
  fromBytes: number;
  fields: ReadonlySet<string>;
}

/**
 * Frozen copies of the objects directly under the documents of one write unit, by the caller's
 * object: a second document holding the very same object (unchanged since) gets the same copy. With
 * a spill policy, once the unit's documents have grown past its bound, their large fields are spilled.
 */
export class SharedParts {
  private readonly copies = new WeakMap<object, { value: unknown; maxJsonBytes: number }>();
  /** The bound of the JSON size of every document copied so far. */
  private bytes = 0;

  /** `strings` gives the stored documents one instance of each short string value (intern.ts). */
  constructor(
    private readonly strings: Interner,
    private readonly spill?: SpillPolicy,
  ) {}

  /** The stored, frozen form of `doc`, sharing parts already copied when the caller's object is unchanged. */
  copy(doc: Doc): Copied<Doc> {
    const out: Record<string, unknown> = {};
    let bytes = 2;
    for (const key of Object.keys(doc)) {
      const raw = (doc as Record<string, unknown>)[key];
      const part = this.part(raw, key);
      if (part === undefined) continue;
      if (part.value instanceof Spilled) defineSpilled(out, key, part.value);
      else define(out, key, part.value);
      bytes += key.length * 6 + 4 + part.maxJsonBytes;
    }
    this.bytes += bytes;
    return { value: Object.freeze(out) as Doc, maxJsonBytes: bytes };
  }

  private part(raw: unknown, key: string): { value: unknown; maxJsonBytes: number } | undefined {
    if (raw === null || typeof raw !== 'object') return copyValue(raw, key, false, this.strings);
    const known = this.copies.get(raw);
    // A spilled copy is the JSON round trip of what was copied: the same text means the same value.
    if (known && (known.value instanceof Spilled ? JSON.stringify(raw) === known.value.text() : sameJson(raw, known.value))) return known;
    let made = copyValue(raw, key, false, this.strings);
    // The bound counts every character as a 6-byte escape: a sixth of it estimates JSON of plain text.
    if (made !== undefined && this.spill?.fields.has(key) && this.bytes / 6 >= this.spill.fromBytes) made = spillCopy(made, this.spill);
    if (made !== undefined) this.copies.set(raw, made);
    return made;
  }
}

/** The copy as spilled JSON; kept as it is if the spill file cannot take it (no file, disk full): the heap is the fallback. */
function spillCopy(made: { value: unknown; maxJsonBytes: number }, spill: SpillPolicy): { value: unknown; maxJsonBytes: number } {
  const file = spill.file();
  if (!file) return made;
  try {
    return { value: file.append(JSON.stringify(made.value)), maxJsonBytes: made.maxJsonBytes };
  } catch {
    return made;
  }
}

/** `value` as JSON.parse(JSON.stringify(value)) would give it, frozen; undefined where JSON leaves the property out. */
function copyValue(input: unknown, key: string, inArray: boolean, strings: Interner): { value: unknown; maxJsonBytes: number } | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON(key: string): unknown }).toJSON(key);
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  switch (typeof value) {
    case 'string':
      return { value: strings.intern(value), maxJsonBytes: value.length * 6 + 2 };
    case 'number':
      return Number.isFinite(value) ? { value: value === 0 ? 0 : value, maxJsonBytes: 24 } : { value: null, maxJsonBytes: 4 };
    case 'boolean':
      return { value, maxJsonBytes: 5 };
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return inArray ? { value: null, maxJsonBytes: 4 } : undefined;
  }
  if (value === null) return { value: null, maxJsonBytes: 4 };
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    let bytes = 2;
    for (let i = 0; i < value.length; i++) {
      const item = copyValue(value[i], String(i), true, strings) as { value: unknown; maxJsonBytes: number };
      out[i] = item.value;
      bytes += item.maxJsonBytes + 1;
    }
    return { value: Object.freeze(out), maxJsonBytes: bytes };
  }
  const out: Record<string, unknown> = {};
  let bytes = 2;
  for (const k of Object.keys(value as object)) {
    const item = copyValue((value as Record<string, unknown>)[k], k, false, strings);
    if (item === undefined) continue;
    define(out, k, item.value);
    bytes += k.length * 6 + 4 + item.maxJsonBytes;
  }
  return { value: Object.freeze(out), maxJsonBytes: bytes };
}

/** Sets `out[key]`, keeping an own `__proto__` key a plain property (as JSON.parse makes it). */
function define(out: Record<string, unknown>, key: string, value: unknown): void {
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
