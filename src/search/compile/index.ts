/**
 * The search compiler: a parsed SearchQuery → one MongoDB filter document on the current-version
 * collection of a type (documents carrying `_id`, `lastUpdatedMs`, `deleted` and the `sp` index
 * values of ../index-values.ts). Normalisation runs first; then one compiler per parameter type.
 */
import type { Filter } from '../../storage/port';
import { assertNever, type FilterNode, type Resolver, type SearchQuery } from '../ast';
import { normaliseFilters } from '../normalise';
import { compileComposite } from './composite';
import { compileDate, compileLastUpdated } from './date';
import { spField } from './fields';
import { compileNumber } from './number';
import { compileQuantity } from './quantity';
import { compileReference, compileReferenceIdentifier } from './reference';
import { compileChain, compileHas } from './relations';
import { compileString } from './string';
import { compileIn, compileOfType, compileToken, compileTokenText } from './token';
import { compileUri } from './uri';

export interface CompileOptions {
  /** The server's base URL (absolute references on it mean "Type/id"). */
  baseUrl: string;
  /** "Now" in epoch ms for `ap` on dates; defaults to the current time. */
  now?: number;
}

/**
 * The filter selecting the current, non-deleted resources that match every filter of `query`. The
 * current document of a deleted resource carries no `sp` (repository/documents.ts), so a part that
 * requires some `sp` value already excludes it; `deleted: false` is added only when no part does,
 * which leaves the common lookups a single indexed condition.
 */
export async function compileFilter(query: Pick<SearchQuery, 'filters'>, resolve: Resolver, options: CompileOptions): Promise<Filter> {
  const filters = normaliseFilters(query.filters, { baseUrl: options.baseUrl, now: options.now ?? Date.now() });
  const parts = await Promise.all(filters.map((f) => compileNode(f, resolve)));
  if (parts.length === 0) return { deleted: false };
  return parts.some(requiresIndexValue) ? { $and: parts } : { deleted: false, $and: parts };
}

/** Whether a compiled part can only match a document holding some `sp` value (a value, `$in`, `$eq` or `$elemMatch` there). */
function requiresIndexValue(part: Filter): boolean {
  return Object.entries(part).some(([key, condition]) => {
    if (!key.startsWith('sp.')) return false;
    if (typeof condition === 'string' || typeof condition === 'number' || typeof condition === 'boolean') return true;
    if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return false;
    const ops = Object.keys(condition);
    const c = condition as Record<string, unknown>;
    return ops.length === 1 && ((ops[0] === '$in' && Array.isArray(c.$in) && c.$in.length > 0) || ops[0] === '$eq' || ops[0] === '$elemMatch');
  });
}

/** One normalised filter node → its filter document. */
async function compileNode(node: FilterNode, resolve: Resolver): Promise<Filter> {
  switch (node.kind) {
    case 'string':
      return compileString(node);
    case 'token':
      return compileToken(node);
    case 'token-text':
      return compileTokenText(node);
    case 'of-type':
      return compileOfType(node);
    case 'in':
      return compileIn(node);
    case 'not-in':
      return { $nor: [compileIn({ ...node, kind: 'in' })] };
    case 'reference':
      return compileReference(node);
    case 'reference-identifier':
      return compileReferenceIdentifier(node);
    case 'date':
      return compileDate(node);
    case 'number':
      return compileNumber(node);
    case 'quantity':
      return compileQuantity(node);
    case 'uri':
      return compileUri(node);
    case 'composite':
      return compileComposite(node);
    case 'id':
      return { _id: node.ids.length === 1 ? node.ids[0] : { $in: [...new Set(node.ids)] } };
    case 'lastUpdated':
      return compileLastUpdated(node);
    case 'missing':
      return { [spField(node.param.code, '0')]: { $exists: !node.missing } };
    case 'chain':
      return compileChain(node, resolve);
    case 'has':
      return compileHas(node, resolve);
    case 'not':
      return { $nor: [await compileNode(node.inner, resolve)] };
    default:
      return assertNever(node);
  }
}
