/**
 * The bridge to mingo, which evaluates filter and projection documents with MongoDB semantics.
 * One operator context is built once: mingo's default `Query` copies every operator table on each
 * construction (about 18 µs), which would dominate a read by _id. Plain filters are first given to
 * the direct evaluator of fast-match.ts; mingo decides whatever that one leaves open.
 */
import { Context } from 'mingo';
import { Query } from 'mingo/query';
import * as expressionOperators from 'mingo/operators/expression';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import type { Doc, Filter, Projection } from '../port';
import { compileFastFilter } from './fast-match';
import { readable } from './spill';

const context = Context.init({ query: queryOperators, projection: projectionOperators, expression: expressionOperators });
const options = { context };

export type Matcher = (doc: Doc) => boolean;

const always: Matcher = () => true;

/** Compiles a MongoDB filter document into a predicate (a plain comparison for `{ _id: "x" }`). */
export function compileFilter(filter: Filter): Matcher {
  const keys = Object.keys(filter);
  if (keys.length === 0) return always;
  if (keys.length === 1 && keys[0] === '_id' && typeof filter._id === 'string') {
    const id = filter._id;
    return (doc) => doc._id === id;
  }
  const fast = compileFastFilter(filter);
  // A spilled document (spill.ts) is read once per test, not once per path the filter looks at.
  if (!fast) {
    const query = new Query<Doc>(filter as Record<string, unknown>, options);
    return (doc) => query.test(readable(doc));
  }
  // Built only if the direct evaluator leaves a document open (it seldom does): construction costs tens of µs.
  let query: Query<Doc> | undefined;
  return (stored) => {
    const doc = readable(stored);
    return fast(doc) ?? (query ??= new Query<Doc>(filter as Record<string, unknown>, options)).test(doc);
  };
}

/** Applies a MongoDB projection to each document (the results may share nested values with the input). */
export function projectDocs(docs: Doc[], projection: Projection): Doc[] {
  if (Object.keys(projection).length === 0) return docs;
  return new Query<Doc>({}, options).find<Doc>(docs, projection as Record<string, 0 | 1>).all();
}
