/**
 * string parameters (R4 search.html, string): string and markdown values, and the parts of
 * HumanName (family, given, prefix, suffix, text) and Address (line, city, district, state,
 * postalCode, country, text), each as its own value.
 */
import type { StringValue } from '../index-values';
import { fold } from '../fold';
import type { Element } from './elements';

const NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'] as const;
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'] as const;

/** The string index values of one evaluated element. */
export function stringValues(el: Element): StringValue[] {
  if (el.type === 'HumanName') return parts(el.value, NAME_PARTS);
  if (el.type === 'Address') return parts(el.value, ADDRESS_PARTS);
  return typeof el.value === 'string' ? one(el.value) : [];
}

/** One string value: `n` folded, `e` as written; none for blank text. */
export function stringValue(text: string): StringValue | undefined {
  const n = fold(text);
  return n === '' ? undefined : { n, e: text };
}

function parts(value: unknown, keys: readonly string[]): StringValue[] {
  if (!value || typeof value !== 'object') return [];
  const out: StringValue[] = [];
  for (const key of keys) {
    const part = (value as Record<string, unknown>)[key];
    for (const text of Array.isArray(part) ? part : [part]) if (typeof text === 'string') out.push(...one(text));
  }
  return out;
}

function one(text: string): StringValue[] {
  const v = stringValue(text);
  return v ? [v] : [];
}
