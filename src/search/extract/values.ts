/** Converts evaluated elements to the contract's index values, one converter per parameter type. */
import type { IndexValue } from '../index-values';
import type { ParamType } from '../params';
import { dateValues } from './date';
import type { Element } from './elements';
import { numberValues } from './number';
import { quantityValues } from './quantity';
import { referenceValues, type ReferenceContext } from './reference';
import { stringValues } from './string';
import { tokenValues } from './token';
import { uriValues } from './uri';

/** The index values of `elements` for a parameter of `type` (composite and special give none here). */
export function valuesOf(type: ParamType, elements: readonly Element[], ctx: ReferenceContext): IndexValue[] {
  switch (type) {
    case 'string':
      return elements.flatMap(stringValues);
    case 'token':
      return elements.flatMap(tokenValues);
    case 'reference':
      return elements.flatMap((el) => referenceValues(el, ctx));
    case 'date':
      return elements.flatMap(dateValues);
    case 'number':
      return elements.flatMap(numberValues);
    case 'quantity':
      return elements.flatMap(quantityValues);
    case 'uri':
      return elements.flatMap(uriValues);
    case 'composite':
    case 'special':
      return [];
    default:
      return exhaustive(type);
  }
}

/** Drops repeated values (same keys and contents), keeping first occurrences in order. */
export function distinct<T>(values: readonly T[]): T[] {
  if (values.length < 2) return [...values];
  const seen = new Set<string>();
  const out: T[] = [];
  for (const v of values) {
    const key = JSON.stringify(v);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

function exhaustive(type: never): never {
  throw new Error(`unknown search parameter type ${String(type)}`);
}
