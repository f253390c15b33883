/**
 * date parameters and `_lastUpdated` (R4 search.html, date and "Prefixes"): the search value is the
 * range [sLo, sHi) its precision covers, the target is a stored range [lo, hi) (or, for
 * `_lastUpdated`, the instant t as [t, t+1)), and each prefix is the range relation search.html gives:
 *   eq  sLo ≤ lo ∧ hi ≤ sHi            (the search range contains the target)
 *   ne  lo < sLo ∨ hi > sHi            (it does not)
 *   gt  hi > sHi                       (the range above the search value overlaps the target)
 *   lt  lo < sLo
 *   ge  gt ∨ eq          le  lt ∨ eq
 *   sa  lo ≥ sHi                       (starts after)
 *   eb  hi ≤ sLo                       (ends before)
 *   ap  lo < aHi ∧ hi > aLo            (overlaps the widened range, see normalise.ts)
 */
import type { Filter } from '../../storage/port';
import { assertNever, type DateFilter, type DateValueNode, type LastUpdatedFilter } from '../ast';
import { allOf, anyOf, anyValue } from './fields';
import { normalised } from './normalised';

type Op = '$lt' | '$lte' | '$gt' | '$gte';
interface Comparison {
  bound: 'lo' | 'hi';
  op: Op;
  value: number;
}

/** The filter for one date parameter occurrence (values ORed). */
export function compileDate(node: DateFilter): Filter {
  return anyValue(node.param.code, node.values.map(dateCondition));
}

/** The condition on one stored DateValue. */
export function dateCondition(value: DateValueNode): Filter {
  return render(comparisons(value), (c) => ({ [c.bound]: { [c.op]: c.value } }));
}

/** `_lastUpdated` on the document's `lastUpdatedMs` (hi = t + 1, so `hi op x` is `t op x − 1`). */
export function compileLastUpdated(node: LastUpdatedFilter): Filter {
  return anyOf(
    node.values.map((v) =>
      render(comparisons(v), (c) => ({ lastUpdatedMs: { [c.op]: c.bound === 'lo' ? c.value : c.value - 1 } })),
    ),
  );
}

function render(dnf: Comparison[][], one: (c: Comparison) => Filter): Filter {
  return anyOf(dnf.map((conjunction) => allOf(conjunction.map(one))));
}

/** The prefix as an OR of ANDs of comparisons on the target's range ends. */
function comparisons(v: DateValueNode): Comparison[][] {
  const c = (bound: 'lo' | 'hi', op: Op, value: number): Comparison => ({ bound, op, value });
  const contained = [c('lo', '$gte', v.lo), c('hi', '$lte', v.hi)];
  switch (v.prefix) {
    case 'eq':
      return [contained];
    case 'ne':
      return [[c('lo', '$lt', v.lo)], [c('hi', '$gt', v.hi)]];
    case 'gt':
      return [[c('hi', '$gt', v.hi)]];
    case 'lt':
      return [[c('lo', '$lt', v.lo)]];
    case 'ge':
      return [[c('hi', '$gt', v.hi)], contained];
    case 'le':
      return [[c('lo', '$lt', v.lo)], contained];
    case 'sa':
      return [[c('lo', '$gte', v.hi)]];
    case 'eb':
      return [[c('hi', '$lte', v.lo)]];
    case 'ap': {
      const [lo, hi] = normalised(v.approx, 'ap range');
      return [[c('lo', '$lt', hi), c('hi', '$gt', lo)]];
    }
    default:
      return assertNever(v.prefix);
  }
}
