/**
 * Parts written once per journal record. A resource's current document and its history entry hold the
 * very same stored object (frozen.ts), and a record would otherwise carry it twice: a put whose
 * top-level field is an object an earlier put of the same record already wrote gets that field as
 * null plus a reference `s: [[field, op index, field of that op]]`. Replay puts the earlier op's object
 * back in place, so the two documents share it again in memory. Only references backwards, within one
 * record, to a top-level object field of a put.
 */
import type { Doc } from '../port';
import { fieldIdentity, withNullFields } from './spill';

/** [field, index of an earlier op of the record, that op's field]. */
export type SharedRef = [string, number, string];

/** Remembers the object fields of the puts encoded so far in one record. */
export class SharedFields {
  private readonly seen = new Map<object, [number, string]>();

  /** What to write for the put at `index`: the document with fields written before set to null, and their references. */
  encode(index: number, doc: Doc): { doc: Doc; refs?: SharedRef[] } {
    let refs: SharedRef[] | undefined;
    let nulled: Set<string> | undefined;
    const fields = Object.keys(doc);
    for (const field of fields) {
      const value = fieldIdentity(doc, field);
      if (value === null || typeof value !== 'object') continue;
      const earlier = this.seen.get(value);
      if (earlier) {
        (nulled ??= new Set()).add(field);
        (refs ??= []).push([field, earlier[0], earlier[1]]);
      }
    }
    // Only objects of earlier puts are referred to: a document holding one object twice writes it twice.
    for (const field of fields) {
      const value = fieldIdentity(doc, field);
      if (value !== null && typeof value === 'object' && !this.seen.has(value)) this.seen.set(value, [index, field]);
    }
    // The copy keeps each field where it was, so the replayed document's keys come in the same order.
    return nulled ? { doc: withNullFields(doc, nulled), refs } : { doc };
  }
}

/** A put as read back, with its references (if any). */
export interface ReadPut {
  o: 'put';
  d: Doc;
  s?: unknown;
}

/**
 * Puts the shared objects back into the puts of one record read from a journal. Throws a plain Error
 * naming the problem when a reference is not one `SharedFields` could have written.
 */
export function resolveShared(ops: readonly { o: string }[]): void {
  ops.forEach((op, i) => {
    if (op.o !== 'put') return;
    const put = op as ReadPut;
    if (put.s === undefined) return;
    if (!Array.isArray(put.s)) throw new Error(`op ${i}: its shared fields are not a list`);
    for (const ref of put.s as unknown[]) {
      const [field, from, fromField] = Array.isArray(ref) ? (ref as unknown[]) : [];
      const source = typeof from === 'number' && Number.isInteger(from) && from >= 0 && from < i ? (ops[from] as ReadPut) : undefined;
      const value = source?.o === 'put' && typeof fromField === 'string' ? (source.d as Record<string, unknown>)[fromField] : undefined;
      const target = put.d as Record<string, unknown>;
      if (typeof field !== 'string' || value === null || typeof value !== 'object' || target[field] !== null) {
        throw new Error(`op ${i}: shared field ${JSON.stringify(ref)} does not name an object an earlier op of the record wrote`);
      }
      target[field] = value;
    }
    delete put.s;
  });
}
