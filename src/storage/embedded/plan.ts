/**
 * Chooses how to find candidate documents for a filter: through an index when the filter pins an
 * indexed field (including _id) to one or more plain values at its top level or inside a top-level
 * $and, or when an `$elemMatch` there bounds a sub-field (a value, a range, or a regex with a literal
 * prefix such as `^smi`, which is the range [smi, smj)); otherwise a scan. The full filter is always
 * applied to the candidates afterwards, so a plan only has to return a superset of the matches.
 * (A range directly on a field is not planned: on an array field its two bounds may be met by two
 * different elements, so no single key range holds every match. Inside `$elemMatch` one element must
 * meet them all.)
 */
import type { Filter } from '../port';
import { compareValues } from './compare';
import { isPrimitive, type Primitive } from './paths';

export interface IndexPlan {
  field: string;
  values: Primitive[];
  /** Derived from an `$elemMatch` sub-field: documents whose keys there are not exact must be candidates too. */
  element?: true;
}

/** One end of a key range. */
export interface Bound {
  value: string | number;
  inclusive: boolean;
}

/** Keys of one type (string or number) between the bounds; a missing bound is that type's end. */
export interface KeyRange {
  low?: Bound;
  high?: Bound;
}

export interface RangePlan {
  field: string;
  range: KeyRange;
}

export type Plan = IndexPlan | RangePlan;

/** Estimates candidates for a plan; Infinity when the field has no index (or the range is too broad to be worth it). */
export type Estimator = (plan: Plan) => number;

/** The cheapest index plan for `filter`, or null to scan. */
export function choosePlan(filter: Filter, estimate: Estimator): Plan | null {
  let best: Plan | null = null;
  let bestSize = Infinity;
  const consider = (plan: Plan) => {
    const size = estimate(plan);
    if (size < bestSize) {
      best = plan;
      bestSize = size;
    }
  };
  const visit = (f: Filter) => {
    for (const field of Object.keys(f)) {
      const condition = f[field];
      if (field === '$and' && Array.isArray(condition)) {
        for (const sub of condition) if (isPlainObject(sub)) visit(sub);
        continue;
      }
      if (field.startsWith('$')) continue;
      const values = equalityValues(condition);
      if (values) consider({ field, values });
      const element = isPlainObject(condition) && Object.keys(condition).length === 1 ? condition.$elemMatch : undefined;
      if (isPlainObject(element)) for (const plan of elementPlans(field, element)) consider(plan);
    }
  };
  visit(filter);
  return best;
}

/** The key range a condition confines a value to ($gt/$gte/$lt/$lte, or a regex with a literal prefix), or null. */
export function rangeOf(condition: unknown): KeyRange | null {
  if (!isPlainObject(condition)) return condition instanceof RegExp ? prefixRange(condition.source, condition.flags) : null;
  let low: Bound | undefined;
  let high: Bound | undefined;
  const tighter = (a: Bound | undefined, b: Bound, lower: boolean): Bound => {
    if (!a) return b;
    const c = compareValues(b.value, a.value);
    return (lower ? c > 0 : c < 0) || (c === 0 && !b.inclusive) ? b : a;
  };
  for (const [op, value] of Object.entries(condition)) {
    if (op === '$regex') {
      const regex = typeof value === 'string' ? prefixRange(value, typeof condition.$options === 'string' ? condition.$options : '') : value instanceof RegExp ? prefixRange(value.source, value.flags) : null;
      if (regex?.low) low = tighter(low, regex.low, true);
      if (regex?.high) high = tighter(high, regex.high, false);
      continue;
    }
    if (typeof value !== 'string' && (typeof value !== 'number' || Number.isNaN(value))) continue;
    if (op === '$gt' || op === '$gte') low = tighter(low, { value, inclusive: op === '$gte' }, true);
    if (op === '$lt' || op === '$lte') high = tighter(high, { value, inclusive: op === '$lte' }, false);
  }
  if (low && high && typeof low.value !== typeof high.value) return null;
  return low || high ? { low, high } : null;
}

const REGEX_SPECIAL = new Set([...'.*+?^$()[]{}|\\/']);

/**
 * The range of strings a regex anchored at the start with a literal prefix can match: `^smi` →
 * [smi, smj). Null when the regex has flags that change that (i, m, x), an alternation, or no prefix.
 */
function prefixRange(source: string, flags: string): KeyRange | null {
  if (/[imx]/.test(flags) || !source.startsWith('^')) return null;
  let prefix = '';
  for (let i = 1; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1];
      // An escaped punctuation character stands for itself; \d, \w, \b and the like end the prefix.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) break;
      prefix += next;
      i++;
      continue;
    }
    if (REGEX_SPECIAL.has(ch)) {
      // A quantifier makes the character before it optional or repeatable.
      if ('*+?{'.includes(ch)) prefix = prefix.slice(0, -1);
      break;
    }
    prefix += ch;
  }
  if (hasAlternation(source) || prefix === '') return null;
  const last = prefix.charCodeAt(prefix.length - 1);
  // The next string after every string starting with the prefix, when the last unit can simply be raised.
  const high = last < 0xd7ff ? { value: prefix.slice(0, -1) + String.fromCharCode(last + 1), inclusive: false } : undefined;
  return { low: { value: prefix, inclusive: true }, high };
}

function hasAlternation(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === '|') return true;
  }
  return false;
}

/**
 * The conditions of `filter` when it is nothing but equalities (one value or `$in`) on fields,
 * directly or inside top-level `$and`s; null when it holds anything else.
 */
export function equalityConditions(filter: Filter): IndexPlan[] | null {
  const conditions = coverableConditions(filter);
  return conditions && conditions.elements.length === 0 ? conditions.equalities : null;
}

/** A top-level `{ path: { $elemMatch } }` condition of a filter evaluated from the indexes (covered.ts). */
export interface ElementCondition {
  /** The condition alone, as a filter: each candidate document is checked against it. */
  filter: Filter;
  /**
   * Index plans whose candidates include every document meeting it: a value or a range of one of its
   * sub-fields (an equality plan flagged `element`, whose inexact ids are candidates too).
   */
  plans: Plan[];
  /**
   * Present when the condition is nothing but one plain sub-field within a key range, as a date
   * parameter compiles (`{ 'sp.due': { $elemMatch: { lo: { $lt: t } } } }`): that range's plan, and
   * the segments of the `$elemMatch` path. A document whose keys at `plan.field` are exact, one of
   * them in the range, meets the condition exactly when mingo reads an array at that path (arrayAt).
   */
  keyed?: { plan: RangePlan; path: string[] };
}

/** The equalities and `$elemMatch` conditions whose conjunction a filter is. */
export interface CoverableConditions {
  equalities: IndexPlan[];
  elements: ElementCondition[];
}

/**
 * The conditions of `filter` when it is nothing but equalities (one value or `$in`) and `$elemMatch`
 * conditions on fields, directly or inside top-level `$and`s; null when it holds anything else.
 */
export function coverableConditions(filter: Filter): CoverableConditions | null {
  const out: CoverableConditions = { equalities: [], elements: [] };
  const visit = (f: Filter): boolean => {
    for (const field of Object.keys(f)) {
      const condition = f[field];
      if (field === '$and' && Array.isArray(condition) && condition.length > 0) {
        if (!condition.every((sub) => isPlainObject(sub) && visit(sub))) return false;
        continue;
      }
      if (field.startsWith('$')) return false;
      const values = exactEqualityValues(condition);
      if (values) {
        out.equalities.push({ field, values });
        continue;
      }
      const element = isPlainObject(condition) && Object.keys(condition).length === 1 ? condition.$elemMatch : undefined;
      if (!isPlainObject(element) || Object.keys(element).length === 0) return false;
      const plans = elementPlans(field, element);
      const keyed = keyedRange(field, element, plans);
      out.elements.push({ filter: { [field]: condition }, plans, ...(keyed ? { keyed } : {}) });
    }
    return true;
  };
  return visit(filter) ? out : null;
}

/** The index plans an `$elemMatch` document on `field` offers through its sub-fields (as choosePlan reads them). */
function elementPlans(field: string, element: Record<string, unknown>): Plan[] {
  const plans: Plan[] = [];
  for (const sub of Object.keys(element)) {
    if (sub.startsWith('$')) continue;
    const values = equalityValues(element[sub]);
    if (values) plans.push({ field: `${field}.${sub}`, values, element: true });
    const range = rangeOf(element[sub]);
    if (range) plans.push({ field: `${field}.${sub}`, range });
  }
  return plans;
}

const COMPARISONS = new Set(['$lt', '$lte', '$gt', '$gte']);
const DIGITS = /^\d+$/;

/**
 * The range plan that decides `{ [field]: { $elemMatch: element } }` from exact index keys (see
 * ElementCondition.keyed): `element` is one sub-field (a plain name) compared with $lt/$lte/$gt/$gte
 * to operands of one type, numbers or strings, and nothing else; the path names no array position.
 */
function keyedRange(field: string, element: Record<string, unknown>, plans: Plan[]): ElementCondition['keyed'] {
  const subs = Object.keys(element);
  const path = field.split('.');
  if (subs.length !== 1 || ![...path, subs[0]].every(plainSegment)) return undefined;
  const condition = element[subs[0]];
  if (!isPlainObject(condition)) return undefined;
  const operands = Object.keys(condition).map((op) => (COMPARISONS.has(op) ? condition[op] : undefined));
  const type = typeof operands[0];
  if (!operands.every((v) => typeof v === type && (type === 'string' || (type === 'number' && !Number.isNaN(v))))) return undefined;
  const plan = plans.find((p): p is RangePlan => 'range' in p);
  return plan ? { plan, path } : undefined;
}

function plainSegment(segment: string): boolean {
  return segment !== '' && !segment.startsWith('$') && !segment.includes('.') && !DIGITS.test(segment) && !(segment in Object.prototype);
}

/**
 * Whether mingo reads an array at `path` of `doc` (what `$elemMatch` needs): the value there is an
 * array, or the path crosses an array before its end (mingo then gathers the values at the path
 * from the array's elements into one).
 */
export function arrayAt(doc: unknown, path: readonly string[]): boolean {
  let value = doc;
  for (const segment of path) {
    if (Array.isArray(value)) return true;
    if (value === null || typeof value !== 'object') return false;
    value = (value as Record<string, unknown>)[segment];
  }
  return Array.isArray(value);
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
