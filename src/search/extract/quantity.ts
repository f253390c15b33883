/**
 * quantity parameters (R4 search.html, quantity): Quantity and its profiles (SimpleQuantity, Age,
 * Duration, Distance, Count, MoneyQuantity) as value (with the number precision range), system,
 * code and unit; Money as value with system urn:iso:std:iso:4217 and code = currency; Range as
 * [low's lo, high's hi) with an open end where a bound is missing, v = low's value (else high's).
 * A comparator ("<5") is not applied: the value is indexed as written. SampledData is not indexed.
 */
import type { Money, Quantity, Range } from '@medplum/fhirtypes';
import { OPEN_HIGH, OPEN_LOW, type QuantityValue } from '../index-values';
import type { Element } from './elements';
import { numberValue } from './number';

const QUANTITY_TYPES = new Set(['Quantity', 'SimpleQuantity', 'Age', 'Duration', 'Distance', 'Count', 'MoneyQuantity']);
/** The system of Money amounts (ISO 4217 currency codes). */
export const CURRENCY_SYSTEM = 'urn:iso:std:iso:4217';

/** The quantity index values of one evaluated element. */
export function quantityValues(el: Element): QuantityValue[] {
  if (!el.value || typeof el.value !== 'object') return [];
  if (QUANTITY_TYPES.has(el.type)) return present(quantity(el.value as Quantity));
  if (el.type === 'Money') return present(money(el.value as Money));
  if (el.type === 'Range') return present(range(el.value as Range));
  return [];
}

function quantity(q: Quantity): QuantityValue | undefined {
  if (typeof q.value !== 'number' || !Number.isFinite(q.value)) return undefined;
  const out: QuantityValue = numberValue(q.value);
  if (typeof q.system === 'string') out.s = q.system;
  if (typeof q.code === 'string') out.c = q.code;
  if (typeof q.unit === 'string') out.u = q.unit;
  return out;
}

function money(m: Money): QuantityValue | undefined {
  if (typeof m.value !== 'number' || !Number.isFinite(m.value)) return undefined;
  const out: QuantityValue = numberValue(m.value);
  if (typeof m.currency === 'string') {
    out.s = CURRENCY_SYSTEM;
    out.c = m.currency;
  }
  return out;
}

function range(r: Range): QuantityValue | undefined {
  const low = r.low ? quantity(r.low) : undefined;
  const high = r.high ? quantity(r.high) : undefined;
  const first = low ?? high;
  if (!first) return undefined;
  const out: QuantityValue = { v: first.v, lo: low ? low.lo : OPEN_LOW, hi: high ? high.hi : OPEN_HIGH };
  if (first.s !== undefined) out.s = first.s;
  if (first.c !== undefined) out.c = first.c;
  if (first.u !== undefined) out.u = first.u;
  return out;
}

function present(v: QuantityValue | undefined): QuantityValue[] {
  return v ? [v] : [];
}
