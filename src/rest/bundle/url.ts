/**
 * Bundle.entry.request.url (R4 bundle.html#Bundle.entry.request.url): the URL of an entry's
 * interaction, relative to the server's base ("Patient/1", "/Patient?x=y") or absolute on it.
 * Parsed into a path below the base and the query parameters, as the HTTP edge would see them.
 */
import { invalid } from '../../fhir/outcome';

export interface EntryUrl {
  /** Segments below the base, URL-encoded as sent: "Patient/1/_history/2" → ["Patient", "1", "_history", "2"]. */
  segments: string[];
  /** Query parameters; repeated parameters keep every value in order. */
  query: Record<string, string[]>;
}

/** Splits `url` into path segments and query; 400 at `expression` when it is not a URL on this server. */
export function parseEntryUrl(url: string, baseUrl: string, expression: string): EntryUrl {
  let rest = url.trim();
  if (rest === '') throw invalid('request.url is empty; it names the interaction, e.g. "Patient" or "Patient/123"', expression);
  if (/^[a-z][a-z0-9+.-]*:/i.test(rest)) {
    if (rest !== baseUrl && !rest.startsWith(`${baseUrl}/`) && !rest.startsWith(`${baseUrl}?`)) {
      throw invalid(`request.url ${JSON.stringify(url)} is not on this server's base ${baseUrl}; give it relative to the base, e.g. "Patient/123"`, expression);
    }
    rest = rest.slice(baseUrl.length);
  }
  if (rest.includes('#')) throw invalid(`request.url ${JSON.stringify(url)} must not have a fragment`, expression);
  const mark = rest.indexOf('?');
  const path = mark < 0 ? rest : rest.slice(0, mark);
  const segments = path.split('/').filter((s, i, all) => s !== '' || (i > 0 && i < all.length - 1));
  if (segments.includes('')) throw invalid(`request.url ${JSON.stringify(url)} has an empty path segment`, expression);
  return { segments, query: mark < 0 ? emptyQuery() : queryParams(rest.slice(mark + 1)) };
}

/** Query parameters of a query string, every repeated value kept in order (no prototype, as on the HTTP edge). */
export function queryParams(text: string): Record<string, string[]> {
  const out = emptyQuery();
  for (const [key, value] of new URLSearchParams(text)) (out[key] ??= []).push(value);
  return out;
}

function emptyQuery(): Record<string, string[]> {
  return Object.create(null) as Record<string, string[]>;
}
