import { isDeepStrictEqual } from 'node:util';

/** The first difference between two JSON values, as a path and both values (for failure messages); undefined when equal. */
export function firstDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  const show = (v: unknown) => (JSON.stringify(v) ?? 'undefined').slice(0, 200);
  return `${at || '(root)'}: ${show(a)} ≠ ${show(b)}`;
}
