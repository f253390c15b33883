/**
 * Oracle predicates for single stored values of the unordered types (string, token, reference,
 * uri), written straight from R4 search.html over the index-values contract, independently of the
 * compiler (no Mongo filters, no normalisation).
 */
import { isResourceType } from '../../validation/definitions';
import type { ReferenceValueNode, StringValueNode, TokenValueNode, UriValueNode } from '../ast';
import { fold } from '../fold';
import type { ReferenceValue, StringValue } from '../index-values';

const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** string: folded prefix (default), folded substring (`:contains`) or the exact text (`:exact`). */
export function stringMatches(stored: StringValue, query: StringValueNode, modifier: 'exact' | 'contains' | undefined): boolean {
  if (modifier === 'exact') return stored.e === query.text;
  const wanted = fold(query.text);
  return modifier === 'contains' ? stored.n.includes(wanted) : stored.n.startsWith(wanted);
}

/** token-like: the query's system (absent: any; null: none) and code (absent: any) against a stored pair. */
export function codeMatches(system: string | undefined, code: string | undefined, query: TokenValueNode): boolean {
  if (query.system === null && system !== undefined) return false;
  if (typeof query.system === 'string' && system !== query.system) return false;
  return query.code === undefined || code === query.code;
}

/**
 * reference: a typed value is "Type/id"; a bare id is "<T>/id" for a target type T (any type when
 * the parameter lists none); a URL on our base is its "Type/id", any other URL is compared as written.
 */
export function referenceMatches(stored: ReferenceValue, query: ReferenceValueNode, targets: readonly string[], baseUrl: string): boolean {
  if (stored.r === undefined) return false;
  if (query.version !== undefined && stored.v !== query.version) return false;
  if (query.url !== undefined) return stored.r === (localPart(query.url, baseUrl) ?? query.url);
  if (query.type !== undefined) return stored.r === `${query.type}/${query.id}`;
  const parts = stored.r.split('/');
  if (parts.length !== 2 || parts[1] !== query.id || !/^[A-Za-z]+$/.test(parts[0])) return false;
  return targets.length === 0 || targets.includes(parts[0]);
}

/** "Type/id" for an absolute URL on our base, otherwise undefined. */
function localPart(url: string, baseUrl: string): string | undefined {
  const base = baseUrl.replace(/\/+$/, '') + '/';
  if (!url.startsWith(base)) return undefined;
  const parts = url.slice(base.length).split('/');
  return parts.length === 2 && isResourceType(parts[0]) && RESOURCE_ID.test(parts[1]) ? parts.join('/') : undefined;
}

/** uri: exact; `:below` the same or a "/"-separated descendant; `:above` the same or an ancestor past the authority. */
export function uriMatches(stored: string, query: UriValueNode, modifier: 'below' | 'above' | undefined): boolean {
  const uri = query.uri;
  if (stored === uri) return true;
  if (modifier === 'below') return stored.startsWith(uri.endsWith('/') ? uri : `${uri}/`);
  if (modifier === 'above') return isAncestor(stored, uri);
  return false;
}

function isAncestor(candidate: string, uri: string): boolean {
  if (candidate === '' || !uri.startsWith(candidate)) return false;
  const scheme = uri.indexOf('://');
  const authority = scheme < 0 ? 0 : scheme + 3;
  const cut = uri[candidate.length] === '/' ? candidate.length : candidate.endsWith('/') ? candidate.length - 1 : -1;
  return cut >= authority;
}
