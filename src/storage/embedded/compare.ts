/**
 * MongoDB's comparison order for JSON values (the BSON type order restricted to what JSON can hold):
 * empty-array key (undefined) < null < numbers < strings < objects < arrays < booleans.
 * Strings compare by UTF-16 code units, which equals MongoDB's binary order except between
 * characters above U+FFFF and U+E000..U+FFFF.
 */

function rank(value: unknown): number {
  if (value === undefined) return 0;
  if (value === null) return 1;
  switch (typeof value) {
    case 'number':
      return 2;
    case 'string':
      return 3;
    case 'boolean':
      return 6;
    default:
      return Array.isArray(value) ? 5 : 4;
  }
}

/** Compares two JSON values in MongoDB order: negative, zero or positive. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ta = typeof a;
  if (ta === typeof b) {
    if (ta === 'number') return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    if (ta === 'string') return (a as string) < (b as string) ? -1 : 1;
    if (ta === 'boolean') return a ? 1 : -1;
  }
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 5) return compareArrays(a as unknown[], b as unknown[]);
  if (ra === 4) return compareObjects(a as Record<string, unknown>, b as Record<string, unknown>);
  return 0;
}

function compareArrays(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareObjects(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const c = rank(a[ka[i]]) - rank(b[kb[i]]) || (ka[i] < kb[i] ? -1 : ka[i] > kb[i] ? 1 : 0) || compareValues(a[ka[i]], b[kb[i]]);
    if (c !== 0) return c;
  }
  return ka.length - kb.length;
}
