/**
 * Oracle predicates for the ordered types (date, number, quantity), written from the prefix table of
 * R4 search.html: dates compare the target range [lo, hi) with the search range; numbers compare the
 * target's value with the search value (its precision range for eq/ne, exactly otherwise).
 */
import { assertNever, type DateValueNode, type NumberValueNode, type QuantityValueNode } from '../ast';
import type { DateValue, NumberValue, QuantityValue } from '../index-values';

/** Whether the stored range satisfies the date value's prefix; `now` sets the `ap` tolerance. */
export function dateMatches(target: DateValue, query: DateValueNode, now: number): boolean {
  const searchContainsTarget = query.lo <= target.lo && target.hi <= query.hi;
  const aboveOverlaps = target.hi > query.hi;
  const belowOverlaps = target.lo < query.lo;
  switch (query.prefix) {
    case 'eq':
      return searchContainsTarget;
    case 'ne':
      return !searchContainsTarget;
    case 'gt':
      return aboveOverlaps;
    case 'lt':
      return belowOverlaps;
    case 'ge':
      return aboveOverlaps || searchContainsTarget;
    case 'le':
      return belowOverlaps || searchContainsTarget;
    case 'sa':
      return target.lo >= query.hi;
    case 'eb':
      return target.hi <= query.lo;
    case 'ap': {
      const gap = Math.abs(now - (query.lo + query.hi) / 2);
      const slack = Math.round(gap / 10);
      return target.lo < query.hi + slack && target.hi > query.lo - slack;
    }
    default:
      return assertNever(query.prefix);
  }
}

/** Whether the stored value satisfies the number value's prefix. */
export function numberMatches(target: NumberValue, query: NumberValueNode | QuantityValueNode): boolean {
  const v = target.v;
  const withinPrecision = v >= query.lo && v < query.hi;
  switch (query.prefix) {
    case 'eq':
      return withinPrecision;
    case 'ne':
      return !withinPrecision;
    case 'gt':
    case 'sa':
      return v > query.value;
    case 'lt':
    case 'eb':
      return v < query.value;
    case 'ge':
      return v >= query.value;
    case 'le':
      return v <= query.value;
    case 'ap': {
      const tenth = Math.abs(query.value) / 10;
      return v >= Math.min(query.lo, query.value - tenth) && v <= Math.max(query.hi, query.value + tenth);
    }
    default:
      return assertNever(query.prefix);
  }
}

/** A quantity: the number, plus system and code (`||code` accepts the code or the unit). */
export function quantityMatches(target: QuantityValue, query: QuantityValueNode): boolean {
  if (!numberMatches(target, query)) return false;
  if (query.system !== undefined && target.s !== query.system) return false;
  if (query.code === undefined) return true;
  return query.system !== undefined ? target.c === query.code : target.c === query.code || target.u === query.code;
}
