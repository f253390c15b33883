/**
 * quantity parameters (R4 search.html, quantity): the number part as for number parameters, and
 * `number|system|code` requiring system and code, `number||code` the code or the unit. Units are
 * not converted (no UCUM canonicalisation).
 */
import type { Filter } from '../../storage/port';
import type { QuantityFilter, QuantityValueNode } from '../ast';
import { allOf, anyValue } from './fields';
import { numberCondition } from './number';

/** The filter for one quantity parameter occurrence (values ORed). */
export function compileQuantity(node: QuantityFilter): Filter {
  return anyValue(node.param.code, node.values.map(quantityCondition));
}

/** The condition on one stored QuantityValue. */
export function quantityCondition(value: QuantityValueNode): Filter {
  const parts = [numberCondition(value)];
  if (value.system !== undefined) parts.push({ s: value.system });
  if (value.code !== undefined) parts.push(value.system !== undefined ? { c: value.code } : { $or: [{ c: value.code }, { u: value.code }] });
  return allOf(parts);
}
