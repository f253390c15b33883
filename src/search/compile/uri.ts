/**
 * uri parameters (R4 search.html, uri): exact by default; `:below` the value or anything below it
 * (the same string followed by "/"); `:above` the value or any of its ancestors, cut at a "/" after
 * the scheme and authority.
 */
import type { Filter } from '../../storage/port';
import type { UriFilter, UriValueNode } from '../ast';
import { anyValue, escapeRegex, oneOf } from './fields';

/** The filter for one uri parameter occurrence (values ORed). */
export function compileUri(node: UriFilter): Filter {
  return anyValue(
    node.param.code,
    node.values.map((v) => uriCondition(v, node.modifier)),
  );
}

/** The condition on one stored UriValue. */
export function uriCondition(value: UriValueNode, modifier?: 'below' | 'above'): Filter {
  const uri = value.uri;
  if (modifier === 'below') {
    const stem = uri.endsWith('/') ? uri : `${uri}/`;
    return { $or: [{ u: uri }, { u: { $regex: `^${escapeRegex(stem)}` } }] };
  }
  if (modifier === 'above') return { u: oneOf(ancestors(uri)) };
  return { u: uri };
}

/** `uri` and its ancestors: each prefix ending just before or just after a "/" past the scheme and authority. */
export function ancestors(uri: string): string[] {
  const scheme = uri.indexOf('://');
  const first = scheme < 0 ? 0 : scheme + 3;
  const out = [uri];
  for (let i = uri.indexOf('/', first); i >= 0; i = uri.indexOf('/', i + 1)) out.push(uri.slice(0, i), uri.slice(0, i + 1));
  return out.filter((p) => p !== '');
}
