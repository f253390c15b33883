/**
 * Equality and ordering of answer values, shared by enableWhen (R4 questionnaire.html,
 * Questionnaire.item.enableWhen.operator), answerOption membership and the minValue/maxValue
 * extensions. integer and decimal compare as numbers; date and dateTime compare at their common
 * precision (R4 datatypes.html: partial dates), string and uri as text; Coding by system and code;
 * Quantity by value when the units agree; Reference by its reference string.
 */
import type { Coding, Quantity, Reference } from '@medplum/fhirtypes';
import type { TypedValue, ValueType } from './model';
import { isRecord } from './model';

type Kind = 'number' | 'date' | 'time' | 'text' | 'boolean' | 'Coding' | 'Quantity' | 'Reference' | 'other';

const KIND: Record<ValueType, Kind> = {
  integer: 'number',
  decimal: 'number',
  date: 'date',
  dateTime: 'date',
  time: 'time',
  string: 'text',
  uri: 'text',
  boolean: 'boolean',
  Coding: 'Coding',
  Quantity: 'Quantity',
  Reference: 'Reference',
  Attachment: 'other',
};

/**
 * A Coding matches an expected one when the codes are equal and, if the expected Coding names a
 * system, the systems are equal too (an expected Coding without a system matches on code alone).
 */
export function codingMatches(expected: Coding, actual: Coding): boolean {
  if (!isRecord(expected) || !isRecord(actual) || expected.code === undefined) return false;
  return expected.code === actual.code && (expected.system === undefined || expected.system === actual.system);
}

/** True when `actual` equals `expected` (the option, enableWhen answer or bound). */
export function valuesEqual(expected: TypedValue, actual: TypedValue): boolean {
  const kind = KIND[expected.type];
  if (kind !== KIND[actual.type]) return false;
  switch (kind) {
    case 'Coding':
      return codingMatches(expected.value as Coding, actual.value as Coding);
    case 'Reference':
      return isRecord(expected.value) && isRecord(actual.value) && (expected.value as Reference).reference === (actual.value as Reference).reference;
    case 'boolean':
      return expected.value === actual.value;
    case 'other':
      return false;
    default:
      return compareValues(actual, expected) === 0;
  }
}

/**
 * Orders `a` relative to `b`: negative, zero or positive; undefined when the two cannot be ordered
 * (different kinds, Codings, booleans, Quantities in different units, or dates equal at their
 * common precision but of different precision, e.g. 2024 and 2024-05).
 */
export function compareValues(a: TypedValue, b: TypedValue): number | undefined {
  const kind = KIND[a.type];
  if (kind !== KIND[b.type]) return undefined;
  switch (kind) {
    case 'number':
      return typeof a.value === 'number' && typeof b.value === 'number' ? Math.sign(a.value - b.value) : undefined;
    case 'text':
    case 'time':
      return typeof a.value === 'string' && typeof b.value === 'string' ? textOrder(a.value, b.value) : undefined;
    case 'date':
      return typeof a.value === 'string' && typeof b.value === 'string' ? compareDates(a.value, b.value) : undefined;
    case 'Quantity':
      return compareQuantities(a.value as Quantity, b.value as Quantity);
    default:
      return undefined;
  }
}

function textOrder(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Compares R4 date/dateTime strings; undefined when the order depends on unknown parts. */
export function compareDates(a: string, b: string): number | undefined {
  const aHasTime = a.length > 10;
  const bHasTime = b.length > 10;
  if (aHasTime && bHasTime) {
    const x = Date.parse(a);
    const y = Date.parse(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return Math.sign(x - y);
  }
  const da = a.slice(0, 10);
  const db = b.slice(0, 10);
  const common = Math.min(da.length, db.length);
  const order = textOrder(da.slice(0, common), db.slice(0, common));
  if (order !== 0) return order;
  if (da.length !== db.length || aHasTime !== bHasTime) return undefined;
  return aHasTime ? textOrder(a, b) : 0;
}

function compareQuantities(a: Quantity, b: Quantity): number | undefined {
  if (!isRecord(a) || !isRecord(b) || typeof a.value !== 'number' || typeof b.value !== 'number') return undefined;
  const sameUnit = a.code !== undefined && b.code !== undefined ? a.code === b.code && a.system === b.system : a.unit === b.unit;
  return sameUnit ? Math.sign(a.value - b.value) : undefined;
}
