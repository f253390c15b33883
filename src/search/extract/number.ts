/**
 * number parameters (R4 search.html, number): decimal, integer, positiveInt, unsignedInt, each with
 * the implicit range ±½ unit of its last significant digit. JSON.parse loses trailing zeros, so the
 * precision is read from the number's shortest representation: 1.50 is stored as 1.5 and indexed
 * with precision 0.1 ([1.45, 1.55)); 100 gets [99.5, 100.5); 1e-7 gets [5e-8, 1.5e-7).
 */
import type { NumberValue } from '../index-values';
import type { Element } from './elements';

const NUMBER_TYPES = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt', 'integer64']);

/** The number index values of one evaluated element. */
export function numberValues(el: Element): NumberValue[] {
  return NUMBER_TYPES.has(el.type) && typeof el.value === 'number' && Number.isFinite(el.value) ? [numberValue(el.value)] : [];
}

/** The value with its implicit precision range. */
export function numberValue(v: number): NumberValue {
  const places = decimalPlaces(v);
  const half = 0.5 * 10 ** -places;
  return { v, lo: round(v - half, places + 1), hi: round(v + half, places + 1) };
}

/** Digits after the decimal point in the shortest representation (negative for "1e+21"-style numbers). */
function decimalPlaces(v: number): number {
  const [mantissa, exponent = '0'] = String(Math.abs(v)).split('e');
  const dot = mantissa.indexOf('.');
  return (dot < 0 ? 0 : mantissa.length - dot - 1) - Number(exponent);
}

/** Removes binary floating-point noise (1.5 - 0.05 = 1.4500000000000002) where toFixed can. */
function round(x: number, places: number): number {
  return places >= 0 && places <= 100 ? Number(x.toFixed(places)) : x;
}
