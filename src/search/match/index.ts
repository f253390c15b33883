/**
 * The oracle: an in-memory matcher that decides whether one stored document satisfies a search
 * query, straight from the (raw or normalised) AST and the stored index values. It shares nothing
 * with the compiler but the AST and the contract, so differential tests can compare the two.
 */
import { assertNever, type ComponentValueNode, type FilterNode, type SearchQuery } from '../ast';
import { fold } from '../fold';
import type { CompositeValue, DateValue, IndexValue, NumberValue, QuantityValue, ReferenceValue, SearchIndex, StringValue, TokenValue, UriValue } from '../index-values';
import { dateMatches, numberMatches, quantityMatches } from './ordered';
import { codeMatches, referenceMatches, stringMatches, uriMatches } from './values';

/** The fields of a current-version document the oracle reads. */
export interface MatchDoc {
  _id: string;
  lastUpdatedMs: number;
  deleted: boolean;
  /** Absent on a deleted resource's document. */
  sp?: SearchIndex;
}

/**
 * Answers subqueries like the compiler's Resolver (contract in ../ast.ts), synchronously: the ids
 * of matching `type` resources, or with `referencesOf` the `r` values of that parameter.
 */
export type OracleResolver = (type: string, filters: FilterNode[], referencesOf?: string) => Iterable<string>;

export interface MatchOptions {
  baseUrl: string;
  /** "Now" in epoch ms, for `ap` on dates. */
  now: number;
}

interface Context extends MatchOptions {
  resolve: OracleResolver;
}

/** True when `doc` is current (not deleted) and satisfies every filter of `query`. */
export function matchesQuery(doc: MatchDoc, query: Pick<SearchQuery, 'filters'>, resolved: OracleResolver, options: MatchOptions): boolean {
  const ctx: Context = { ...options, resolve: resolved };
  return !doc.deleted && query.filters.every((f) => matchesFilter(doc, f, ctx));
}

function matchesFilter(doc: MatchDoc, node: FilterNode, ctx: Context): boolean {
  switch (node.kind) {
    case 'string':
      return some<StringValue>(doc, node.param.code, (s) => node.values.some((q) => stringMatches(s, q, node.modifier)));
    case 'token': {
      const hit = some<TokenValue>(doc, node.param.code, (t) => node.values.some((q) => codeMatches(t.s, t.c, q)));
      return node.modifier === 'not' ? !hit : hit;
    }
    case 'token-text':
      return some<TokenValue>(doc, node.param.code, (t) => t.t !== undefined && node.values.some((q) => (t.t as string).startsWith(fold(q.text))));
    case 'of-type':
      return some<TokenValue>(doc, node.param.code, (t) => node.values.some((q) => t.ts === q.system && t.tc === q.code && t.c === q.value));
    case 'in':
    case 'not-in': {
      const hit = some<TokenValue>(doc, node.param.code, (t) => node.codes.some((p) => (t.s === undefined || t.s === p.system) && t.c === p.code));
      return node.kind === 'in' ? hit : !hit;
    }
    case 'reference':
      return some<ReferenceValue>(doc, node.param.code, (r) => node.values.some((q) => referenceMatches(r, q, node.param.targets ?? [], ctx.baseUrl)));
    case 'reference-identifier':
      return some<ReferenceValue>(doc, node.param.code, (r) => node.values.some((q) => (r.is !== undefined || r.ic !== undefined) && codeMatches(r.is, r.ic, q)));
    case 'date':
      return some<DateValue>(doc, node.param.code, (d) => node.values.some((q) => dateMatches(d, q, ctx.now)));
    case 'number':
      return some<NumberValue>(doc, node.param.code, (n) => node.values.some((q) => numberMatches(n, q)));
    case 'quantity':
      return some<QuantityValue>(doc, node.param.code, (n) => node.values.some((q) => quantityMatches(n, q)));
    case 'uri':
      return some<UriValue>(doc, node.param.code, (u) => node.values.some((q) => uriMatches(u.u, q, node.modifier)));
    case 'composite':
      return some<CompositeValue>(doc, node.param.code, (element) =>
        node.values.some((q) => q.components.every((c) => (element[c.code] ?? []).some((v) => componentMatches(v, c.value, ctx)))),
      );
    case 'id':
      return node.ids.includes(doc._id);
    case 'lastUpdated':
      return node.values.some((q) => dateMatches({ lo: doc.lastUpdatedMs, hi: doc.lastUpdatedMs + 1 }, q, ctx.now));
    case 'missing':
      return (doc.sp?.[node.param.code]?.length ?? 0) === 0 ? node.missing : !node.missing;
    case 'chain': {
      const targets = new Set([...ctx.resolve(node.targetType, [node.inner])].map((id) => `${node.targetType}/${id}`));
      return some<ReferenceValue>(doc, node.param.code, (r) => r.r !== undefined && targets.has(r.r));
    }
    case 'has': {
      const referenced = new Set(ctx.resolve(node.sourceType, [node.inner], node.sourceParam.code));
      return referenced.has(`${node.targetType}/${doc._id}`);
    }
    case 'not':
      return !matchesFilter(doc, node.inner, ctx);
    default:
      return assertNever(node);
  }
}

function componentMatches(stored: IndexValue, query: ComponentValueNode, ctx: Context): boolean {
  switch (query.kind) {
    case 'string':
      return stringMatches(stored as StringValue, query, undefined);
    case 'token':
      return codeMatches((stored as TokenValue).s, (stored as TokenValue).c, query);
    case 'reference':
      return referenceMatches(stored as ReferenceValue, query, [], ctx.baseUrl);
    case 'date':
      return dateMatches(stored as DateValue, query, ctx.now);
    case 'number':
      return numberMatches(stored as NumberValue, query);
    case 'quantity':
      return quantityMatches(stored as QuantityValue, query);
    case 'uri':
      return uriMatches((stored as UriValue).u, query, undefined);
    default:
      return assertNever(query);
  }
}

/** Some stored value of the parameter satisfies `test` (the stored shape is the contract's for the parameter's type). */
function some<T extends IndexValue>(doc: MatchDoc, code: string, test: (value: T) => boolean): boolean {
  return (doc.sp?.[code] ?? []).some((v) => test(v as T));
}
