/**
 * composite parameters (R4 search.html, composite): `a$b` matches when one stored element (one
 * CompositeValue, e.g. one Observation.component) has a value matching each component — the
 * components are never matched across different elements.
 */
import type { Filter } from '../../storage/port';
import { assertNever, type ComponentValueNode, type CompositeFilter, type CompositeValueNode } from '../ast';
import { dateCondition } from './date';
import { allOf, anyValue, safeKey } from './fields';
import { numberCondition } from './number';
import { quantityCondition } from './quantity';
import { referenceCondition } from './reference';
import { stringCondition } from './string';
import { tokenCondition } from './token';
import { uriCondition } from './uri';

/** The filter for one composite parameter occurrence (values ORed). */
export function compileComposite(node: CompositeFilter): Filter {
  return anyValue(node.param.code, node.values.map(compositeCondition));
}

function compositeCondition(value: CompositeValueNode): Filter {
  return allOf(value.components.map((c) => ({ [safeKey(c.code)]: { $elemMatch: componentCondition(c.value) } })));
}

function componentCondition(value: ComponentValueNode): Filter {
  switch (value.kind) {
    case 'string':
      return stringCondition(value);
    case 'token':
      return tokenCondition(value);
    case 'reference':
      return referenceCondition(value);
    case 'date':
      return dateCondition(value);
    case 'number':
      return numberCondition(value);
    case 'quantity':
      return quantityCondition(value);
    case 'uri':
      return uriCondition(value);
    default:
      return assertNever(value);
  }
}
