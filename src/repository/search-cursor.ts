/**
 * Keyset paging for search: results are ordered by the `_sort` keys and then by `_id` (unless `_id`
 * is itself a sort key), and a cursor carries the sort values of the entry a page ended (or began)
 * with. Following a cursor selects the entries strictly after (or before) it in that order, so
 * inserts and deletes by others never make a page skip or repeat an entry. Missing values sort first
 * ascending and last descending, as MongoDB orders them.
 */
import type { Filter, Sort } from '../storage/port';
import type { SortKey } from '../search/ast';
import { invalid } from '../fhir/outcome';

export type SortValue = string | number | null;

export interface SearchCursor {
  /** `after`: the next page; `before`: the previous page. */
  direction: 'after' | 'before';
  /** The searched type of the entry (system-level searches walk several types). */
  type: string;
  /** The entry's values for every key of `orderKeys(sort)`; the last one is its id. */
  values: SortValue[];
}

/** The full order: the `_sort` keys up to the first `_id` key, and `_id` ascending when absent. */
export function orderKeys(sort: readonly SortKey[]): SortKey[] {
  const byId = sort.findIndex((k) => k.field === '_id');
  return byId >= 0 ? sort.slice(0, byId + 1) : [...sort, { code: '_id', field: '_id', descending: false }];
}

export function encodeSearchCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify([cursor.direction === 'after' ? 'a' : 'b', cursor.type, cursor.values])).toString('base64url');
}

/** Reads a `_cursor` value; anything this server did not issue for this order is a 400. */
export function decodeSearchCursor(text: string, keys: readonly SortKey[]): SearchCursor {
  try {
    const [d, type, values] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    const valid = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number';
    if ((d === 'a' || d === 'b') && typeof type === 'string' && Array.isArray(values) && values.length === keys.length && values.every(valid)) {
      return { direction: d === 'a' ? 'after' : 'before', type, values: values as SortValue[] };
    }
  } catch {
    // reported below
  }
  throw invalid(`_cursor value "${text}" is not a paging cursor issued by this server for this search`, '_cursor');
}

/** The sort document for `keys` (from orderKeys), all reversed when reading backwards. */
export function sortDocument(keys: readonly SortKey[], reverse: boolean): Sort {
  const sort: Sort = {};
  for (const k of keys) sort[k.field] = k.descending !== reverse ? -1 : 1;
  return sort;
}

/** The values of one stored document for `keys`, in order. */
export function sortValuesOf(doc: Record<string, unknown>, keys: readonly SortKey[]): SortValue[] {
  return keys.map((k) => {
    const value = k.field.split('.').reduce<unknown>((v, part) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined), doc);
    return typeof value === 'string' || typeof value === 'number' ? value : null;
  });
}

/** The filter for entries strictly after (or, with direction 'before', strictly before) the cursor. */
export function cursorFilter(keys: readonly SortKey[], cursor: SearchCursor): Filter {
  const reverse = cursor.direction === 'before';
  const build = (i: number): Filter => {
    const field = keys[i].field;
    const value = cursor.values[i];
    const ascending = keys[i].descending === reverse;
    if (i === keys.length - 1) {
      // The last key (the id) is unique and always present.
      return { [field]: { [ascending ? '$gt' : '$lt']: value } };
    }
    const rest = build(i + 1);
    if (value === null) {
      // Missing values come first ascending: every present value is after them; descending, nothing is.
      return ascending ? { $or: [{ [field]: { $exists: true, $ne: null } }, { $and: [{ [field]: null }, rest] }] } : { $and: [{ [field]: null }, rest] };
    }
    const alternatives: Filter[] = [{ [field]: { [ascending ? '$gt' : '$lt']: value } }, { $and: [{ [field]: value }, rest] }];
    if (!ascending) alternatives.push({ [field]: null });
    return { $or: alternatives };
  };
  return build(0);
}
