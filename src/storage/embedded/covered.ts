/**
 * Index-only evaluation. When every condition of a filter is an equality (one value or `$in`) on an
 * indexed field, possibly inside top-level `$and`s, the matching ids are the intersection of the
 * index entries: found without reading a document, so a lookup that matches thousands costs
 * microseconds per match instead of a document walk each. Documents whose index keys are not exact
 * (Table.isExact) are checked against the filter itself. `$elemMatch` conditions may stand beside
 * the equalities (a date parameter's range): they may drive through the index of a sub-field, and
 * each candidate is checked against them alone.
 */
import type { Doc, Filter } from '../port';
import { compileFilter, type Matcher } from './mingo';
import { isPrimitive, type Primitive } from './paths';
import { arrayAt, coverableConditions, type IndexPlan, type Plan } from './plan';
import type { Table } from './table';

/** A filter that is one index entry: one value of an indexed field whose keys are all exact, optionally only ids after one. */
export interface IndexEntry {
  table: Table;
  field: string;
  value: Primitive;
  /** From a paging cursor's `_id: { $gt }`. */
  afterId?: string;
}

/**
 * The index entry `filter` amounts to, on a store of one layer (no transaction or unsynced commit on
 * top): its ids are then counted without reading them, and read in id order from the ordered index,
 * so the first page of a lookup matching thousands costs as much as one matching a few.
 */
export function indexEntry(layers: readonly Table[], filter: Filter): IndexEntry | null {
  if (layers.length !== 1) return null;
  const conjuncts = flatten(filter);
  if (!conjuncts) return null;
  let found: { field: string; value: Primitive } | undefined;
  let afterId: string | undefined;
  for (const [field, condition] of conjuncts) {
    const gt = field === '_id' && isSingleOperator(condition, '$gt') ? condition.$gt : undefined;
    if (typeof gt === 'string' && afterId === undefined) {
      afterId = gt;
      continue;
    }
    const value = singleValue(condition);
    if (found || field === '_id' || value === undefined) return null;
    found = { field, value };
  }
  const table = layers[0];
  if (!found || table.estimate(found.field, [found.value]) === Infinity || table.inexactIds(found.field).size > 0) return null;
  return { table, ...found, afterId };
}

/** The field conditions of `filter` and of its top-level `$and`s, or null when it holds other operators. */
function flatten(filter: Filter): [string, unknown][] | null {
  const out: [string, unknown][] = [];
  const visit = (f: Filter): boolean =>
    Object.keys(f).every((key) => {
      const condition = f[key];
      if (key === '$and') return Array.isArray(condition) && condition.every((sub) => sub !== null && typeof sub === 'object' && !Array.isArray(sub) && visit(sub as Filter));
      if (key.startsWith('$')) return false;
      out.push([key, condition]);
      return true;
    });
  return visit(filter) ? out : null;
}

function isSingleOperator(condition: unknown, op: string): condition is Record<string, unknown> {
  return condition !== null && typeof condition === 'object' && !Array.isArray(condition) && Object.keys(condition).length === 1 && op in condition;
}

/** The one value an equality condition requires (a value, `{ $eq }` or a one-value `{ $in }`). */
function singleValue(condition: unknown): Primitive | undefined {
  if (isPrimitive(condition)) return condition;
  if (isSingleOperator(condition, '$eq') && isPrimitive(condition.$eq)) return condition.$eq;
  if (isSingleOperator(condition, '$in') && Array.isArray(condition.$in) && condition.$in.length === 1 && isPrimitive(condition.$in[0])) return condition.$in[0];
  return undefined;
}

/**
 * The ids (unordered, each once) matching `filter` across `layers`, or null when the filter is not
 * index-only, or (with `narrowOnly`) when its most selective condition still holds half the
 * collection: a scan in natural order, which can stop early, is then the better way to a page.
 *
 * Index-only here also admits `$elemMatch` conditions beside the equalities (a date parameter's
 * `sp.due: { $elemMatch: { lo: { $lt } } }`): the candidates of one of them (a value or a range of a
 * sub-field, through its index) may drive when they are fewer than the smallest equality's, and each
 * candidate is checked against those conditions alone, never against the whole filter, unless one
 * of its equality keys is not exact.
 */
export function coveredIds(layers: readonly Table[], filter: Filter, check: Matcher, narrowOnly = false): string[] | null {
  const conditions = coverableConditions(filter);
  if (!conditions || layers.length === 0) return null;
  const { equalities, elements } = conditions;
  if (equalities.length === 0 && elements.length === 0) return null;
  const bottom = layers[0];
  let driver: { plan: Plan; size: number } | undefined;
  for (const c of equalities) {
    const size = bottom.estimate(c.field, c.values);
    if (size === Infinity) return null;
    if (!driver || size < driver.size) driver = { plan: c, size };
  }
  // A range is counted only as far as it could still be the better driver.
  const cap = narrowOnly ? bottom.count / 2 : bottom.count;
  let read: Set<string> | undefined;
  for (const e of elements) {
    for (const plan of e.plans) {
      const limit = Math.min(driver?.size ?? Infinity, cap);
      const indexed = bottom.estimate(plan.field, []) !== Infinity;
      if (!narrowOnly && 'range' in plan && limit >= bottom.count && indexed) {
        // Every document is a candidate already: the range cannot yield more, so its ids are read at once instead of counted first.
        const ids = bottom.lookupRange(plan.field, plan.range);
        if (ids.size < (driver?.size ?? Infinity)) [driver, read] = [{ plan, size: ids.size }, ids];
        continue;
      }
      const size = estimatePlan(bottom, plan, limit);
      if (size < (driver?.size ?? Infinity)) [driver, read] = [{ plan, size }, undefined];
    }
  }
  if (!driver || (narrowOnly && driver.size * 2 >= bottom.count)) return null;
  const lead = driver.plan;
  const others = equalities.filter((c) => c !== lead);
  // The driving range decides its own condition from exact keys (ElementCondition.keyed): no document walk beyond the path.
  const keyedBy = elements.find((e) => e.keyed?.plan === lead);
  const keyed = keyedBy?.keyed && { field: lead.field, path: keyedBy.keyed.path, matches: compileFilter(keyedBy.filter) };
  const residual = elements.filter((e) => e !== keyedBy).map((e) => compileFilter(e.filter));
  const out: string[] = [];
  for (let i = 0; i < layers.length; i++) {
    const table = layers[i];
    const checks: Checks = {
      // An equality one of whose values every document of this layer holds needs no check per id there.
      others: others.filter((c) => !heldByAll(table, c)),
      inexact: equalities.map((c) => table.inexactIds(c.field)).filter((ids) => ids.size > 0),
      residual,
      keyed: keyed && { ...keyed, inexact: table.inexactIds(keyed.field) },
    };
    for (const id of i === 0 && read ? read : candidateIds(table, lead)) {
      if (lead.field === '_id' && !table.entries.get(id)?.doc) continue;
      if (!shadowed(layers, i, id) && meets(table, id, checks, check)) out.push(id);
    }
  }
  return out;
}

/** What is left to check of one layer's candidates. */
interface Checks {
  /** Equalities to confirm by the index keys of each id. */
  others: readonly IndexPlan[];
  /** The ids whose keys are not exact at some equality's field: the whole filter decides for them. */
  inexact: readonly ReadonlySet<string>[];
  /** `$elemMatch` conditions checked against the document. */
  residual: readonly Matcher[];
  /** The driving `$elemMatch` range, decided by arrayAt for ids whose keys at `field` are exact (by `matches` for the others). */
  keyed?: { field: string; path: readonly string[]; matches: Matcher; inexact: ReadonlySet<string> };
}

/** Whether document `id` of `table` meets the filter, found among the candidates of the driving plan. */
function meets(table: Table, id: string, checks: Checks, check: Matcher): boolean {
  const { others, inexact, residual, keyed } = checks;
  for (let j = 0; j < others.length; j++) if (!table.holds(others[j].field, others[j].values, id)) return false;
  for (let j = 0; j < inexact.length; j++) if (inexact[j].has(id)) return check(table.entries.get(id)?.doc as Doc);
  if (!keyed && residual.length === 0) return true;
  const doc = table.entries.get(id)?.doc as Doc;
  if (keyed && !(keyed.inexact.has(id) ? keyed.matches(doc) : arrayAt(doc, keyed.path))) return false;
  for (let j = 0; j < residual.length; j++) if (!residual[j](doc)) return false;
  return true;
}

/** Whether every document of `table` holds one of the equality's values by its index keys. */
function heldByAll(table: Table, c: IndexPlan): boolean {
  return c.field !== '_id' && table.count > 0 && c.values.some((v) => table.estimate(c.field, [v]) === table.count);
}

/** Candidates `plan` yields in the bottom layer, counted no further than `cap` (Infinity beyond it, or without an index). */
function estimatePlan(table: Table, plan: Plan, cap: number): number {
  if ('range' in plan) return table.estimateRange(plan.field, plan.range, cap);
  const size = table.estimate(plan.field, plan.values);
  return plan.element && size !== Infinity ? size + table.inexactIds(plan.field).size : size;
}

/** The ids of `table` that may meet `plan`'s condition (an `$elemMatch` plan's include the ids whose keys are not exact). */
function candidateIds(table: Table, plan: Plan): Iterable<string> {
  if ('range' in plan) return table.lookupRange(plan.field, plan.range);
  const ids = table.lookup(plan.field, plan.values);
  const inexact = plan.element ? table.inexactIds(plan.field) : undefined;
  return inexact && inexact.size > 0 ? new Set([...ids, ...inexact]) : ids;
}

/** Whether a layer above `below` has its own entry (a newer version or a tombstone) for `id`. */
export function shadowed(layers: readonly Table[], below: number, id: string): boolean {
  for (let j = below + 1; j < layers.length; j++) if (layers[j].entries.has(id)) return true;
  return false;
}
