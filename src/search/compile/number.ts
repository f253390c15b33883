/**
 * number parameters (R4 search.html, number): the stored value `v` is compared with the search
 * value. `eq`/`ne` use the search value's implicit precision range [lo, hi) ("100" means
 * [99.5, 100.5)); the other prefixes compare with the exact value, as search.html says
 * ("gt100: greater than exactly 100"); `sa`/`eb` read as `gt`/`lt`; `ap` accepts the closed
 * interval from normalisation (±10%).
 */
import type { Filter } from '../../storage/port';
import { assertNever, type NumberFilter, type NumberValueNode, type QuantityValueNode } from '../ast';
import { anyValue } from './fields';
import { normalised } from './normalised';

/** The filter for one number parameter occurrence (values ORed). */
export function compileNumber(node: NumberFilter): Filter {
  return anyValue(node.param.code, node.values.map(numberCondition));
}

/** The condition on `v` of one stored NumberValue or QuantityValue. */
export function numberCondition(value: NumberValueNode | QuantityValueNode): Filter {
  switch (value.prefix) {
    case 'eq':
      return { v: { $gte: value.lo, $lt: value.hi } };
    case 'ne':
      return { $or: [{ v: { $lt: value.lo } }, { v: { $gte: value.hi } }] };
    case 'gt':
    case 'sa':
      return { v: { $gt: value.value } };
    case 'lt':
    case 'eb':
      return { v: { $lt: value.value } };
    case 'ge':
      return { v: { $gte: value.value } };
    case 'le':
      return { v: { $lte: value.value } };
    case 'ap': {
      const [lo, hi] = normalised(value.approx, 'ap range');
      return { v: { $gte: lo, $lte: hi } };
    }
    default:
      return assertNever(value.prefix);
  }
}
