/**
 * Normalisation passes over the parsed AST, run by the compiler before it emits a filter. Each pass
 * is small and pure, and all of them are idempotent (a normalised tree normalises to itself), so
 * filters handed to a resolver can be compiled again.
 *   negation    token `:not` and `:not-in` → a resource-level `not` node
 *   folding     string values get the case/accent-folded text that the stored `n`/`t` hold
 *   approximate `ap` values get their widened range (±10%; dates: 10% of the gap to now)
 *   references  reference values get the exact stored `r` values they match
 */
import { isResourceType } from '../validation/definitions';
import { assertNever, type FilterNode, type ReferenceValueNode, type ValueNode } from './ast';
import { fold } from './fold';
import type { SearchParamDef } from './params';

export interface NormaliseOptions {
  /** The server's base URL: absolute references on it mean "Type/id". */
  baseUrl: string;
  /** "Now" in epoch ms, for `ap` on dates. */
  now: number;
}

type ValuePass = (value: ValueNode, param: SearchParamDef | undefined) => ValueNode;

const TYPED = /^([A-Z][A-Za-z]*)\/([A-Za-z0-9\-.]{1,64})$/;

/** Normalises every filter of a query. */
export function normaliseFilters(filters: readonly FilterNode[], options: NormaliseOptions): FilterNode[] {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const passes: ValuePass[] = [foldValue, (v) => approximate(v, options.now), (v, p) => resolveReference(v, p, baseUrl)];
  return filters.map((f) => normaliseFilter(f, passes));
}

function normaliseFilter(node: FilterNode, passes: readonly ValuePass[]): FilterNode {
  const lifted = liftNegation(node);
  const apply = (v: ValueNode, param: SearchParamDef | undefined) => passes.reduce((acc, pass) => pass(acc, param), v);
  /** Each pass keeps a value's kind, so the mapped list has the node's own value type. */
  const values = <T extends { values: ValueNode[] }>(n: T, param: SearchParamDef | undefined): T => ({ ...n, values: n.values.map((v) => apply(v, param)) });
  switch (lifted.kind) {
    case 'string':
    case 'token':
    case 'token-text':
    case 'reference':
    case 'date':
    case 'number':
    case 'quantity':
      return values(lifted, lifted.param);
    case 'lastUpdated':
      return values(lifted, undefined);
    case 'composite':
      return {
        ...lifted,
        values: lifted.values.map((v) => ({ ...v, components: v.components.map((c) => ({ ...c, value: apply(c.value, undefined) as typeof c.value })) })),
      };
    case 'of-type':
    case 'in':
    case 'not-in':
    case 'reference-identifier':
    case 'uri':
    case 'id':
    case 'missing':
      return lifted;
    case 'chain':
    case 'has':
    case 'not':
      return { ...lifted, inner: normaliseFilter(lifted.inner, passes) };
    default:
      return assertNever(lifted);
  }
}

/** token `:not=x` → not(token=x); `:not-in=vs` → not(in=vs). */
function liftNegation(node: FilterNode): FilterNode {
  if (node.kind === 'token' && node.modifier === 'not') {
    const { modifier: _dropped, ...plain } = node;
    return { kind: 'not', inner: plain };
  }
  if (node.kind === 'not-in') return { kind: 'not', inner: { ...node, kind: 'in' } };
  return node;
}

/** String values: the folded text (stored `n` and `t` are folded the same way). */
function foldValue(value: ValueNode): ValueNode {
  return value.kind === 'string' && value.folded === undefined ? { ...value, folded: fold(value.text) } : value;
}

/** `ap`: dates ±10% of the distance between now and the value's midpoint; numbers ±10% of the value (never narrower than its precision). */
function approximate(value: ValueNode, now: number): ValueNode {
  if ((value.kind !== 'date' && value.kind !== 'number' && value.kind !== 'quantity') || value.prefix !== 'ap' || value.approx) return value;
  if (value.kind === 'date') {
    const delta = Math.round(Math.abs(now - (value.lo + value.hi) / 2) / 10);
    return { ...value, approx: [value.lo - delta, value.hi + delta] };
  }
  const delta = Math.abs(value.value) / 10;
  return { ...value, approx: [Math.min(value.lo, value.value - delta), Math.max(value.hi, value.value + delta)] };
}

/** Reference values: the stored `r` strings that match (see ReferenceValueNode.refs). */
function resolveReference(value: ValueNode, param: SearchParamDef | undefined, baseUrl: string): ValueNode {
  if (value.kind !== 'reference' || value.refs) return value;
  return { ...value, ...refsOf(value, param, baseUrl) };
}

function refsOf(value: ReferenceValueNode, param: SearchParamDef | undefined, baseUrl: string): Partial<ReferenceValueNode> {
  if (value.url !== undefined) {
    const local = value.url.startsWith(baseUrl + '/') ? TYPED.exec(value.url.slice(baseUrl.length + 1)) : null;
    return local && isResourceType(local[1]) ? { refs: [`${local[1]}/${local[2]}`] } : { refs: [value.url] };
  }
  if (value.type !== undefined) return { refs: [`${value.type}/${value.id}`] };
  const targets = param?.targets ?? [];
  return targets.length > 0 ? { refs: targets.map((t) => `${t}/${value.id}`) } : {};
}
