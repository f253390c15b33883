/** uri parameters (R4 search.html, uri): uri, url, canonical (without "|version"), oid, uuid, as written. */
import type { UriValue } from '../index-values';
import type { Element } from './elements';

/** The uri index values of one evaluated element. */
export function uriValues(el: Element): UriValue[] {
  if (typeof el.value !== 'string' || el.value === '') return [];
  return [{ u: el.type === 'canonical' ? withoutVersion(el.value).url : el.value }];
}

/** Splits a canonical "url|version" into its parts. */
export function withoutVersion(canonical: string): { url: string; version?: string } {
  const bar = canonical.indexOf('|');
  return bar < 0 ? { url: canonical } : { url: canonical.slice(0, bar), version: canonical.slice(bar + 1) || undefined };
}
