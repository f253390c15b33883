/**
 * string parameters (R4 search.html, string) against StringValue: the default is a case- and
 * accent-insensitive prefix match on the folded `n`, `:contains` a substring of `n`, `:exact` the
 * whole unfolded `e`.
 */
import type { Filter } from '../../storage/port';
import type { StringFilter, StringValueNode } from '../ast';
import { anyValue, escapeRegex } from './fields';
import { normalised } from './normalised';

/** The filter for one string parameter occurrence (values ORed). */
export function compileString(node: StringFilter): Filter {
  return anyValue(
    node.param.code,
    node.values.map((v) => stringCondition(v, node.modifier)),
  );
}

/** The condition on one stored StringValue. */
export function stringCondition(value: StringValueNode, modifier?: 'exact' | 'contains'): Filter {
  if (modifier === 'exact') return { e: value.text };
  const folded = escapeRegex(normalised(value.folded, 'folded string'));
  return { n: { $regex: modifier === 'contains' ? folded : `^${folded}` } };
}
