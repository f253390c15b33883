/**
 * Values of the ordered parameter types (R4 search.html: number, date, quantity): an optional
 * comparison prefix, then the value with its implicit precision range.
 */
import { requireDateRange } from '../../fhir/dates';
import { invalid } from '../../fhir/outcome';
import type { DateValueNode, NumberValueNode, Prefix, QuantityValueNode } from '../ast';
import { splitEscaped, unescapeValue } from './escape';

const PREFIXES: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);
const NUMBER = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Splits a leading comparison prefix off `text` (default `eq`); two leading letters that are no prefix are a 400. */
export function splitPrefix(text: string, parameter: string): { prefix: Prefix; rest: string } {
  const head = text.slice(0, 2);
  if (/^[a-z]{2}$/.test(head)) {
    if (!PREFIXES.has(head)) throw invalid(`${parameter}: unknown comparison prefix "${head}" in "${text}"`, parameter);
    return { prefix: head as Prefix, rest: text.slice(2) };
  }
  return { prefix: 'eq', rest: text };
}

/** A date value: prefix and the [lo, hi) range its precision covers. */
export function parseDateValue(raw: string, parameter: string): DateValueNode {
  const text = unescapeValue(raw);
  const { prefix, rest } = splitPrefix(text, parameter);
  const range = requireDateRange(rest, parameter);
  return { kind: 'date', prefix, text, lo: range.startMs, hi: range.endMs };
}

/**
 * A number value: 100 → [99.5, 100.5), 100.00 → [99.995, 100.005), 1e2 → [50, 150) (half a unit
 * of the last significant digit either side).
 */
export function parseNumberValue(raw: string, parameter: string): NumberValueNode {
  const text = unescapeValue(raw);
  const { prefix, rest } = splitPrefix(text, parameter);
  return { kind: 'number', prefix, text, ...numberRange(rest, parameter, text) };
}

/** A quantity value: `[prefix]number`, `[prefix]number|system|code` or `[prefix]number||code`. */
export function parseQuantityValue(raw: string, parameter: string): QuantityValueNode {
  const parts = splitEscaped(raw, '|');
  const text = unescapeValue(raw);
  if (parts.length !== 1 && parts.length !== 3) {
    throw invalid(`${parameter}: quantity "${text}" must be number, number|system|code or number||code`, parameter);
  }
  const { prefix, rest } = splitPrefix(unescapeValue(parts[0]), parameter);
  const node: QuantityValueNode = { kind: 'quantity', prefix, text, ...numberRange(rest, parameter, text) };
  const system = parts.length === 3 ? unescapeValue(parts[1]) : '';
  const code = parts.length === 3 ? unescapeValue(parts[2]) : '';
  if (system !== '') node.system = system;
  if (code !== '') node.code = code;
  return node;
}

function numberRange(text: string, parameter: string, whole: string): { value: number; lo: number; hi: number } {
  const m = NUMBER.exec(text);
  const value = Number(text);
  if (!m || !Number.isFinite(value)) throw invalid(`${parameter}: "${whole}" is not a valid number`, parameter);
  const places = (m[2]?.length ?? 0) - (m[3] ? Number(m[3]) : 0);
  const half = 0.5 * 10 ** -places;
  const lo = round(value - half, places + 1);
  const hi = round(value + half, places + 1);
  // Past 2^53 half a unit is below a double's spacing and the range would collapse to [v, v): keep v inside it.
  return { value, lo: Math.min(lo, value), hi: hi > value ? hi : value + Math.abs(value) * Number.EPSILON };
}

/** Removes binary noise (0.1 + 0.05 = 0.15000000000000002) so that range ends are the decimal ones. */
function round(x: number, places: number): number {
  return places >= 0 && places <= 100 ? Number(x.toFixed(places)) : x;
}
