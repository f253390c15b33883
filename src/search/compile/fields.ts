/**
 * Building blocks of the emitted MongoDB filters. Field names come only from registry codes (never
 * from the query string) and are checked here anyway; user text only ever appears as a value, and
 * regular expressions are built from escaped text.
 */
import { fail } from '../../fhir/outcome';
import type { Filter } from '../../storage/port';

/** Matches no document (an empty `$in`). */
export const NEVER: Filter = { _id: { $in: [] } };

/** The stored field of a parameter's index values, `sp.<code>`, optionally with a sub-path. */
export function spField(code: string, sub?: string): string {
  return sub === undefined ? `sp.${safeKey(code)}` : `sp.${safeKey(code)}.${sub}`;
}

/** A registry code used as a key (composite components); rejects anything that could read as an operator or a path. */
export function safeKey(code: string): string {
  if (code === '' || code.startsWith('$') || code.includes('.') || code.includes('\0')) {
    throw fail('internal', 'exception', `search parameter code "${code}" cannot be used as a field name`);
  }
  return code;
}

/** `{ 'sp.<code>': { $elemMatch: c1 OR c2 ... } }`: some stored value satisfies one of the conditions. */
export function anyValue(code: string, conditions: Filter[]): Filter {
  if (conditions.length === 0) return NEVER;
  return { [spField(code)]: { $elemMatch: anyOf(conditions) } };
}

/** OR of conditions on one element (a single condition stays as it is). */
export function anyOf(conditions: Filter[]): Filter {
  return conditions.length === 1 ? conditions[0] : { $or: conditions };
}

/** AND of conditions on one element: merged into one document when keys do not clash, else `$and`. */
export function allOf(conditions: Filter[]): Filter {
  const merged: Filter = {};
  for (const c of conditions) {
    for (const key of Object.keys(c)) {
      if (key in merged) return { $and: conditions };
      merged[key] = c[key];
    }
  }
  return merged;
}

/** Equality with one value, or membership in several (a form the embedded engine's equality indexes use). */
export function oneOf(values: readonly string[]): unknown {
  const distinct = [...new Set(values)];
  return distinct.length === 1 ? distinct[0] : { $in: distinct };
}

/** Escapes every regular-expression metacharacter, so user text matches literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
