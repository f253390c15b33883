/**
 * Index declarations and unique keys. Every declared field gets an equality index (value → ids) used
 * to narrow candidates; a unique declaration also gets a key → id map that enforces uniqueness with
 * MongoDB's rules (arrays give one key per element; a missing field is the key null).
 */
import type { Doc, Sort } from '../port';
import { keyValues } from './paths';

export interface IndexSpec {
  /** MongoDB's default index name, e.g. `a_1_b_-1`. */
  name: string;
  keys: Sort;
  fields: string[];
  segments: string[][];
  unique: boolean;
}

/** Builds the declaration for `keys`; rejects an empty or malformed key document. */
export function makeIndexSpec(keys: Sort, unique: boolean): IndexSpec {
  const fields = Object.keys(keys);
  if (fields.length === 0) throw new Error('createIndex needs at least one key');
  for (const f of fields) {
    if (keys[f] !== 1 && keys[f] !== -1) throw new Error(`createIndex: key ${f} must be 1 or -1`);
    if (f === '' || f.startsWith('$') || f.split('.').some((s) => s === '')) throw new Error(`createIndex: invalid field path "${f}"`);
  }
  return {
    name: fields.map((f) => `${f}_${keys[f]}`).join('_'),
    keys: { ...keys },
    fields,
    segments: fields.map((f) => f.split('.')),
    unique,
  };
}

const SEPARATOR = '\u0001';

function encodeValue(value: unknown): string {
  return value === undefined ? 'u' : JSON.stringify(value);
}

/**
 * The distinct unique-index keys of `doc`, each encoded as a string (one per combination of array
 * elements). Embedded objects compare field-order-sensitively, as in MongoDB.
 */
export function uniqueKeys(doc: Doc, spec: IndexSpec): string[] {
  if (spec.segments.length === 1) {
    const values = keyValues(doc, spec.segments[0]);
    return values.length === 1 ? [encodeValue(values[0])] : [...new Set(values.map(encodeValue))];
  }
  let keys = [''];
  for (let i = 0; i < spec.segments.length; i++) {
    const parts = [...new Set(keyValues(doc, spec.segments[i]).map(encodeValue))];
    const next: string[] = [];
    for (const prefix of keys) for (const part of parts) next.push(i === 0 ? part : prefix + SEPARATOR + part);
    keys = next;
  }
  return [...new Set(keys)];
}

/** A readable rendering of an encoded unique key for error messages, e.g. `{ identifier: "x" }`. */
export function describeKey(spec: IndexSpec, key: string): string {
  const parts = key.split(SEPARATOR);
  return `{ ${spec.fields.map((f, i) => `${f}: ${parts[i] === 'u' ? 'undefined' : parts[i]}`).join(', ')} } (index ${spec.name})`;
}
