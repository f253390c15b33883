/**
 * Chooses how to find candidate documents for a filter: through an equality index when the filter
 * pins an indexed field (including _id) to one or more plain values at its top level or inside a
 * top-level $and, otherwise a scan. The full filter is always applied to the candidates afterwards,
 * so a plan only has to return a superset of the matches.
 */
import type { Filter } from '../port';
import { isPrimitive, type Primitive } from './paths';

export interface IndexPlan {
  field: string;
  values: Primitive[];
}

/** Estimates candidates for an index lookup; Infinity when the field has no index. */
export type Estimator = (field: string, values: readonly Primitive[]) => number;

/** The cheapest index plan for `filter`, or null to scan. */
export function choosePlan(filter: Filter, estimate: Estimator): IndexPlan | null {
  let best: IndexPlan | null = null;
  let bestSize = Infinity;
  const visit = (f: Filter) => {
    for (const field of Object.keys(f)) {
      const condition = f[field];
      if (field === '$and' && Array.isArray(condition)) {
        for (const sub of condition) if (isPlainObject(sub)) visit(sub);
        continue;
      }
      if (field.startsWith('$')) continue;
      const values = equalityValues(condition);
      if (!values) continue;
      const size = estimate(field, values);
      if (size < bestSize) {
        best = { field, values };
        bestSize = size;
      }
    }
  };
  visit(filter);
  return best;
}

/**
 * The conditions of `filter` when it is nothing but equalities (one value or `$in`) on fields,
 * directly or inside top-level `$and`s; null when it holds anything else.
 */
export function equalityConditions(filter: Filter): IndexPlan[] | null {
  const out: IndexPlan[] = [];
  const visit = (f: Filter): boolean => {
    for (const field of Object.keys(f)) {
      const condition = f[field];
      if (field === '$and' && Array.isArray(condition) && condition.length > 0) {
        if (!condition.every((sub) => isPlainObject(sub) && visit(sub))) return false;
        continue;
      }
      const values = field.startsWith('$') ? null : exactEqualityValues(condition);
      if (!values) return false;
      out.push({ field, values });
    }
    return true;
  };
  return visit(filter) ? out : null;
}

/** Like equalityValues, but only for a condition that is nothing more: a value, `{ $eq }` or `{ $in }`. */
function exactEqualityValues(condition: unknown): Primitive[] | null {
  if (isPlainObject(condition) && Object.keys(condition).length !== 1) return null;
  return equalityValues(condition);
}

/** The plain values a condition requires the field to equal (one of), or null if it is not such a condition. */
function equalityValues(condition: unknown): Primitive[] | null {
  if (isPrimitive(condition)) return [condition];
  if (!isPlainObject(condition)) return null;
  const ops = Object.keys(condition);
  if (ops.length === 0 || !ops.every((op) => op.startsWith('$'))) return null;
  if ('$eq' in condition && isPrimitive(condition.$eq)) return [condition.$eq];
  const list = condition.$in;
  if (Array.isArray(list) && list.every(isPrimitive)) return [...new Set(list as Primitive[])];
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RegExp);
}
