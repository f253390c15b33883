/**
 * A direct evaluator for the plain filter shapes the search compiler emits most (equality, `$in`,
 * `$exists`, `$regex`, `$lt`/`$lte`/`$gt`/`$gte` with a number or string, `$elemMatch` over objects,
 * `$and`/`$or`), with MongoDB's semantics. It is several times
 * cheaper than mingo per document, which matters when an index lookup yields thousands of
 * candidates. Anything outside that subset is left to mingo: `compileFastFilter` returns null for a
 * filter using other operators, and the compiled test answers `undefined` ("ask mingo") for a
 * document whose shape it does not model (nested arrays, positional path segments).
 */
import type { Filter } from '../port';
import { isPrimitive, type Primitive } from './paths';

/** true / false when decided, undefined when mingo must decide for this document. */
export type FastTest = (doc: unknown) => boolean | undefined;

type Condition = (value: unknown) => boolean | undefined;

const DIGITS = /^\d+$/;

/** A test for `filter`, or null when the filter uses anything this evaluator does not model. */
export function compileFastFilter(filter: Filter): FastTest | null {
  return compileDocument(filter);
}

function compileDocument(filter: Filter): FastTest | null {
  if (!isPlainObject(filter)) return null;
  const tests: FastTest[] = [];
  for (const key of Object.keys(filter)) {
    const test = key.startsWith('$') ? compileLogical(key, filter[key]) : compileField(key, filter[key]);
    if (!test) return null;
    tests.push(test);
  }
  return all(tests);
}

function compileLogical(operator: string, operand: unknown): FastTest | null {
  if ((operator !== '$and' && operator !== '$or') || !Array.isArray(operand) || operand.length === 0) return null;
  const tests: FastTest[] = [];
  for (const sub of operand) {
    const test = compileDocument(sub as Filter);
    if (!test) return null;
    tests.push(test);
  }
  return operator === '$and' ? all(tests) : any(tests);
}

/** A condition on one dotted path. */
function compileField(path: string, condition: unknown): FastTest | null {
  const segments = path.split('.');
  if (segments.some((s) => s === '' || DIGITS.test(s))) return null;
  if (isPrimitive(condition)) return pathTest(segments, equals(condition));
  if (!isPlainObject(condition)) return null;
  const ops = Object.keys(condition);
  if ('$regex' in condition) return compileRegex(segments, condition);
  if (ops.length > 0 && ops.every((op) => op in COMPARISONS)) return compileComparisons(segments, condition);
  if (ops.length !== 1) return null;
  const [op] = ops;
  const operand = condition[op];
  if (op === '$eq' && isPrimitive(operand)) return pathTest(segments, equals(operand));
  if (op === '$in' && Array.isArray(operand) && operand.length > 0 && operand.every(isPrimitive)) return pathTest(segments, oneOf(operand as Primitive[]));
  if (op === '$exists' && typeof operand === 'boolean') return existsTest(segments, operand);
  if (op === '$elemMatch' && isPlainObject(operand) && Object.keys(operand).length > 0 && !Object.keys(operand).some((k) => k !== '$and' && k !== '$or' && k.startsWith('$'))) {
    const element = compileDocument(operand);
    // mingo gathers the values met through arrays into one array before applying $elemMatch: its call.
    return element && pathTest(segments, elemMatch(element), false);
  }
  return null;
}

/** `{ $regex, $options? }` (a string pattern; flags i, m and s): some string at the path matches. */
function compileRegex(segments: readonly string[], condition: Record<string, unknown>): FastTest | null {
  const { $regex: source, $options: options = '', ...rest } = condition;
  if (Object.keys(rest).length > 0 || typeof source !== 'string' || typeof options !== 'string' || !/^[ims]*$/.test(options)) return null;
  let re: RegExp;
  try {
    re = new RegExp(source, options);
  } catch {
    return null;
  }
  return pathTest(segments, (value) => {
    if (typeof value === 'string') return re.test(value);
    if (!Array.isArray(value)) return false;
    for (const el of value) {
      if (Array.isArray(el)) return undefined;
      if (typeof el === 'string' && re.test(el)) return true;
    }
    return false;
  });
}

type Comparison = '$lt' | '$lte' | '$gt' | '$gte';

const COMPARISONS: Record<Comparison, (a: number | string, b: number | string) => boolean> = {
  $lt: (a, b) => a < b,
  $lte: (a, b) => a <= b,
  $gt: (a, b) => a > b,
  $gte: (a, b) => a >= b,
};

/**
 * `{ $lt, $lte, $gt, $gte }` with numbers or strings, as mingo reads them: each operator on its own
 * (on an array, different elements may meet different operators), met by a value, or an element of an
 * array value, of the operand's own type (a number never compares with a string, nor with null or a
 * missing field).
 */
function compileComparisons(segments: readonly string[], condition: Record<string, unknown>): FastTest | null {
  const tests: FastTest[] = [];
  for (const op of Object.keys(condition) as Comparison[]) {
    const operand = condition[op];
    if (typeof operand !== 'string' && (typeof operand !== 'number' || Number.isNaN(operand))) return null;
    tests.push(pathTest(segments, comparison(COMPARISONS[op], operand)));
  }
  return all(tests);
}

function comparison(holds: (a: number | string, b: number | string) => boolean, operand: number | string): Condition {
  const type = typeof operand;
  // NaN is a number to mingo, and one that compares equal to everything: its call.
  const one = (v: unknown): boolean | undefined => (typeof v !== type ? false : v !== v ? undefined : holds(v as number | string, operand));
  return (value) => {
    if (!Array.isArray(value)) return one(value);
    let unknown = false;
    for (const el of value) {
      if (Array.isArray(el)) return undefined;
      const r = one(el);
      if (r === true) return true;
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  };
}

/**
 * Walks `segments` into `doc` (stepping into each element of an array met on the way) and asks
 * `condition` of each value reached; true when any says true. `condition` sees arrays whole: it
 * applies MongoDB's rule that an equality also matches an array holding the value itself. A path
 * through more than one array (or, without `throughArrays`, through any) is left to mingo, whose
 * reading of such paths is its own.
 */
function pathTest(segments: readonly string[], condition: Condition, throughArrays = true): FastTest {
  const walk = (value: unknown, i: number, arrays: number): boolean | undefined => {
    if (i === segments.length) return arrays > 0 && Array.isArray(value) ? undefined : condition(value);
    if (Array.isArray(value)) {
      if (!throughArrays || arrays > 0) return undefined;
      let unknown = false;
      for (const el of value) {
        if (Array.isArray(el)) return undefined;
        if (el === null || typeof el !== 'object') continue;
        const r = walk(el, i, 1);
        if (r === true) return true;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : false;
    }
    if (value === null || typeof value !== 'object') return false;
    return walk((value as Record<string, unknown>)[segments[i]], i + 1, arrays);
  };
  return (doc) => walk(doc, 0, 0);
}

/** Equality with a non-null primitive: the value itself, or an array holding it as an element. */
function equals(expected: Primitive): Condition {
  return (value) => {
    if (value === expected) return true;
    if (!Array.isArray(value)) return false;
    for (const el of value) {
      if (el === expected) return true;
      if (Array.isArray(el)) return undefined;
    }
    return false;
  };
}

function oneOf(expected: readonly Primitive[]): Condition {
  const set = new Set<unknown>(expected);
  return (value) => {
    if (set.has(value)) return true;
    if (!Array.isArray(value)) return false;
    for (const el of value) {
      if (set.has(el)) return true;
      if (Array.isArray(el)) return undefined;
    }
    return false;
  };
}

/**
 * `$elemMatch` with a query document: some element of an array at the path is an object matching
 * it. Scalar elements are left to mingo, which (unlike MongoDB) tests the query against them too.
 */
function elemMatch(element: FastTest): Condition {
  return (value) => {
    if (!Array.isArray(value)) return false;
    let unknown = false;
    for (const el of value) {
      if (el === null || typeof el !== 'object' || Array.isArray(el)) {
        unknown = true;
        continue;
      }
      const r = element(el);
      if (r === true) return true;
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  };
}

/** `$exists`: whether any value (null included) is reached at the path. */
function existsTest(segments: readonly string[], wanted: boolean): FastTest {
  // Through arrays, mingo's reading of existence differs from a plain walk: its call.
  const found = pathTest(segments, (value) => value !== undefined, false);
  return (doc) => {
    const r = found(doc);
    return r === undefined ? undefined : r === wanted;
  };
}

function all(tests: readonly FastTest[]): FastTest {
  if (tests.length === 1) return tests[0];
  return (doc) => {
    let unknown = false;
    for (const t of tests) {
      const r = t(doc);
      if (r === false) return false;
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : true;
  };
}

function any(tests: readonly FastTest[]): FastTest {
  if (tests.length === 1) return tests[0];
  return (doc) => {
    let unknown = false;
    for (const t of tests) {
      const r = t(doc);
      if (r === true) return true;
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RegExp);
}
