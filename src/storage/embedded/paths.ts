/**
 * Reading values at dotted paths the way MongoDB does: a path steps into every element of an array
 * it meets (multikey semantics), and a missing field reads as null.
 */

export type Primitive = string | number | boolean;

const DIGITS = /^\d+$/;

/** True for values an equality index can hold: strings, booleans and numbers other than NaN. */
export function isPrimitive(value: unknown): value is Primitive {
  const t = typeof value;
  return t === 'string' || t === 'boolean' || (t === 'number' && !Number.isNaN(value));
}

/**
 * Adds to `out` every primitive that an equality filter on the path could match in `value`. This is
 * a superset of what MongoDB and mingo match (it also takes positional and nested-array readings), so
 * an index built from it never hides a document the filter would have matched.
 */
export function equalityKeys(value: unknown, segments: readonly string[], i: number, out: Set<Primitive>): void {
  if (i === segments.length) {
    if (isPrimitive(value)) out.add(value);
    else if (Array.isArray(value)) for (const el of value) addNested(el, out);
    return;
  }
  if (Array.isArray(value)) {
    const segment = segments[i];
    if (DIGITS.test(segment)) equalityKeys(value[Number(segment)], segments, i + 1, out);
    for (const el of value) {
      if (Array.isArray(el)) addNested(el, out);
      else if (el !== null && typeof el === 'object') equalityKeys(el, segments, i, out);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    equalityKeys((value as Record<string, unknown>)[segments[i]], segments, i + 1, out);
  }
}

function addNested(value: unknown, out: Set<Primitive>): void {
  if (isPrimitive(value)) out.add(value);
  else if (Array.isArray(value)) for (const el of value) addNested(el, out);
}

/**
 * The index keys MongoDB generates for one document and path: one per array element met on the way,
 * null where the path is missing, and `undefined` (sorts before null) for an empty array.
 */
export function keyValues(doc: unknown, segments: readonly string[]): unknown[] {
  const out: unknown[] = [];
  collectKeys(doc, segments, 0, out);
  if (out.length === 0) out.push(null);
  return out;
}

function collectKeys(value: unknown, segments: readonly string[], i: number, out: unknown[]): void {
  if (i === segments.length) {
    if (!Array.isArray(value)) out.push(value === undefined ? null : value);
    else if (value.length === 0) out.push(undefined);
    else out.push(...value);
    return;
  }
  if (Array.isArray(value)) {
    for (const el of value) {
      if (el !== null && typeof el === 'object' && !Array.isArray(el)) collectKeys(el, segments, i, out);
    }
    return;
  }
  if (value !== null && typeof value === 'object') collectKeys((value as Record<string, unknown>)[segments[i]], segments, i + 1, out);
  else out.push(null);
}
