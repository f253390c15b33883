/**
 * Sort keys (contract: index-values.ts SortKeys): one scalar per parameter that can sort: the
 * smallest folded string, code, date lo, number/quantity value, reference or uri.
 */
import type { DateValue, IndexValue, NumberValue, ReferenceValue, StringValue, TokenValue, UriValue } from '../index-values';
import type { ParamType } from '../params';

/** The sort key of a parameter's values, or undefined when the type does not sort or no value has one. */
export function sortKey(type: ParamType, values: readonly IndexValue[]): string | number | undefined {
  switch (type) {
    case 'string':
      return smallest(values.map((v) => (v as StringValue).n));
    case 'token':
      return smallest(values.map((v) => (v as TokenValue).c));
    case 'reference':
      return smallest(values.map((v) => (v as ReferenceValue).r));
    case 'uri':
      return smallest(values.map((v) => (v as UriValue).u));
    case 'date':
      return smallest(values.map((v) => (v as DateValue).lo));
    case 'number':
    case 'quantity':
      return smallest(values.map((v) => (v as NumberValue).v));
    default:
      return undefined;
  }
}

function smallest<T extends string | number>(keys: readonly (T | undefined)[]): T | undefined {
  let best: T | undefined;
  for (const k of keys) if (k !== undefined && (best === undefined || k < best)) best = k;
  return best;
}
