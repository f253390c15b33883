/**
 * JSON Patch (RFC 6902; R4 http.html#patch with Content-Type application/json-patch+json): the six
 * operations applied in order to a copy of the document, all or nothing. A malformed document is a
 * 400 naming the operation (`[2].path`); an operation that cannot apply to this document (a path
 * that does not exist, an index past the end, a failed `test`) is a 422.
 */
import { fail, invalid, type OperationOutcomeError } from '../fhir/outcome';
import { arrayIndex, isProperPrefix, parsePointer } from './json-pointer';

/** One operation, checked and with its pointers parsed. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; at: number; path: string[]; pathText: string; value: unknown }
  | { op: 'remove'; at: number; path: string[]; pathText: string }
  | { op: 'move' | 'copy'; at: number; path: string[]; pathText: string; from: string[]; fromText: string };

type Container = Record<string, unknown> | unknown[];

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks a JSON Patch document (a JSON array of operation objects); throws 400 naming the first bad operation. */
export function parseJsonPatch(body: unknown): JsonPatchOperation[] {
  if (!Array.isArray(body)) throw invalid('a JSON Patch document must be a JSON array of operations (RFC 6902)');
  return body.map((raw: unknown, at) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`JSON Patch operation ${at} must be a JSON object`, `[${at}]`);
    const o = raw as Record<string, unknown>;
    if (typeof o.op !== 'string' || !OPS.has(o.op)) {
      throw invalid(`JSON Patch operation ${at}: "op" must be one of add, remove, replace, move, copy, test (got ${JSON.stringify(o.op)})`, `[${at}].op`);
    }
    const op = o.op as JsonPatchOperation['op'];
    const path = pointer(o.path, at, 'path');
    if (op === 'remove') return { op, at, path, pathText: o.path as string };
    if (op === 'move' || op === 'copy') {
      const from = pointer(o.from, at, 'from');
      if (op === 'move' && isProperPrefix(from, path)) {
        throw invalid(`JSON Patch operation ${at}: cannot move ${o.from as string} into its own child ${o.path as string}`, `[${at}].from`);
      }
      return { op, at, path, pathText: o.path as string, from, fromText: o.from as string };
    }
    if (!Object.hasOwn(o, 'value') || o.value === undefined) throw invalid(`JSON Patch operation ${at} (${op}) needs a "value"`, `[${at}].value`);
    return { op, at, path, pathText: o.path as string, value: o.value };
  });
}

function pointer(value: unknown, at: number, member: 'path' | 'from'): string[] {
  if (typeof value !== 'string') throw invalid(`JSON Patch operation ${at} needs "${member}" as a JSON Pointer string`, `[${at}].${member}`);
  const tokens = parsePointer(value);
  if (!tokens) throw invalid(`JSON Patch operation ${at}: "${member}" ${JSON.stringify(value)} is not a JSON Pointer (RFC 6901)`, `[${at}].${member}`);
  return tokens;
}

/** Applies a JSON Patch document to a copy of `document` and returns the result; `document` is not changed. */
export function applyJsonPatch(document: unknown, body: unknown): unknown {
  const operations = parseJsonPatch(body);
  let doc = structuredClone(document);
  for (const op of operations) doc = applyOne(doc, op);
  return doc;
}

function applyOne(doc: unknown, op: JsonPatchOperation): unknown {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, structuredClone(op.value), op, 'path');
    case 'remove':
      remove(doc, op.path, op, 'path');
      return doc;
    case 'replace':
      if (op.path.length === 0) return structuredClone(op.value);
      get(doc, op.path, op, 'path');
      setOwn(parentOf(doc, op.path, op, 'path'), op.path[op.path.length - 1], structuredClone(op.value));
      return doc;
    case 'move': {
      const value = get(doc, op.from, op, 'from');
      if (op.from.length === op.path.length && op.from.every((t, i) => t === op.path[i])) return doc;
      remove(doc, op.from, op, 'from');
      return add(doc, op.path, value, op, 'path');
    }
    case 'copy':
      return add(doc, op.path, structuredClone(get(doc, op.from, op, 'from')), op, 'path');
    case 'test': {
      const actual = get(doc, op.path, op, 'path');
      if (!jsonEqual(actual, op.value)) {
        throw unprocessable(op, 'path', `test failed: the value at ${op.pathText} is ${brief(actual)}, not ${brief(op.value)}`);
      }
      return doc;
    }
    default:
      return exhaustive(op);
  }
}

/** The value at `tokens`; 422 when it does not exist. */
function get(doc: unknown, tokens: string[], op: JsonPatchOperation, member: 'path' | 'from'): unknown {
  let value = doc;
  for (let i = 0; i < tokens.length; i++) {
    const next = child(value, tokens[i]);
    if (!next.found) throw missing(op, member, tokens, i);
    value = next.value;
  }
  return value;
}

/** The container holding the last token of `tokens`; 422 when a step on the way is missing or not an object/array. */
function parentOf(doc: unknown, tokens: string[], op: JsonPatchOperation, member: 'path' | 'from'): Container {
  const parent = get(doc, tokens.slice(0, -1), op, member);
  if (parent === null || typeof parent !== 'object') {
    throw unprocessable(op, member, `${text(op, member)} does not exist: ${pointerText(tokens.slice(0, -1))} is not an object or array`);
  }
  return parent as Container;
}

function add(doc: unknown, tokens: string[], value: unknown, op: JsonPatchOperation, member: 'path'): unknown {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, op, member);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : arrayIndex(last);
    if (index === undefined || index > parent.length) {
      throw unprocessable(op, member, `${text(op, member)}: ${JSON.stringify(last)} is not an index from 0 to ${parent.length} (or "-") of that array`);
    }
    parent.splice(index, 0, value);
  } else {
    setOwn(parent, last, value);
  }
  return doc;
}

/** Sets an existing array item or an object member (in place, keeping member order). */
function setOwn(parent: Container, token: string, value: unknown): void {
  if (Array.isArray(parent)) parent[arrayIndex(token) as number] = value;
  // defineProperty: a key such as "__proto__" stays an ordinary own property.
  else Object.defineProperty(parent, token, { value, enumerable: true, writable: true, configurable: true });
}

function remove(doc: unknown, tokens: string[], op: JsonPatchOperation, member: 'path' | 'from'): void {
  if (tokens.length === 0) throw unprocessable(op, member, `${text(op, member)}: the whole resource cannot be removed`);
  const parent = parentOf(doc, tokens, op, member);
  const last = tokens[tokens.length - 1];
  if (!child(parent, last).found) throw missing(op, member, tokens, tokens.length - 1);
  if (Array.isArray(parent)) parent.splice(arrayIndex(last) as number, 1);
  else delete parent[last];
}

function child(value: unknown, token: string): { found: boolean; value?: unknown } {
  if (Array.isArray(value)) {
    const index = arrayIndex(token);
    return index !== undefined && index < value.length ? { found: true, value: value[index] } : { found: false };
  }
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, token)) {
    return { found: true, value: (value as Record<string, unknown>)[token] };
  }
  return { found: false };
}

/** JSON equality as RFC 6902 §4.6 defines it for `test`: members in any order, numbers by value. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function missing(op: JsonPatchOperation, member: 'path' | 'from', tokens: string[], failedAt: number): OperationOutcomeError {
  const gap = failedAt < tokens.length - 1 ? ` (${pointerText(tokens.slice(0, failedAt + 1))} is missing)` : '';
  return unprocessable(op, member, `${text(op, member)} does not exist${gap}`);
}

function unprocessable(op: JsonPatchOperation, member: 'path' | 'from', message: string): OperationOutcomeError {
  return fail('unprocessable', 'processing', `JSON Patch operation ${op.at} (${op.op}): ${message}`, `[${op.at}].${member}`);
}

function text(op: JsonPatchOperation, member: 'path' | 'from'): string {
  return member === 'from' && 'fromText' in op ? `from ${op.fromText}` : `path ${op.pathText === '' ? '""' : op.pathText}`;
}

function pointerText(tokens: string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('') || '""';
}

function brief(value: unknown): string {
  const json = JSON.stringify(value) ?? 'absent';
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function exhaustive(value: never): never {
  throw new Error(`unhandled JSON Patch operation ${JSON.stringify(value)}`);
}
