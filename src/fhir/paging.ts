/** Bundle.link construction: the page's own URL with some query parameters replaced. */
import type { BundleLink } from '@medplum/fhirtypes';

/** A link whose URL is `base/path` plus `query` with `overrides` applied (undefined removes a key). */
export function pageLink(relation: string, base: string, path: string, query: Record<string, string[]>, overrides: Record<string, string | undefined>): BundleLink {
  const params = new URLSearchParams();
  for (const [key, values] of Object.entries(query)) {
    if (key in overrides) continue;
    for (const v of values) params.append(key, v);
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) params.append(key, value);
  }
  // ':' and ',' are legal in a query and carry FHIR syntax (modifiers, OR lists): keep them readable.
  const qs = params.toString().replace(/%3A/gi, ':').replace(/%2C/gi, ',');
  return { relation, url: `${base}/${path}${qs ? `?${qs}` : ''}` };
}
