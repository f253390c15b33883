/**
 * search (R4 http.html#search, search.html): GET [base]/[type]?…, POST [base]/[type]/_search with a
 * form body, and the same at system level. Answers a searchset Bundle with matches, includes, total
 * and self/first/next/previous links; parameters ignored in lenient mode are left out of the self
 * link and explained in an OperationOutcome entry.
 */
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { FhirRequest, Handler, RequestContext } from './types';
import { assertKnownType } from './resource-type';
import { parseSearch } from '../search/parse/index';
import type { SearchQuery } from '../search/ast';
import { parsePrefer } from '../fhir/prefer';
import { pageLink } from '../fhir/paging';
import { issue, outcome } from '../fhir/outcome';
import { selectElements, summarize } from '../fhir/subset';
import { encodeSearchCursor } from '../repository/search-cursor';

export const search: Handler = async (ctx, req) => {
  if (req.type !== undefined) assertKnownType(req.type);
  const params = mergedParameters(req);
  const strict = parsePrefer(req.headers.prefer).handling === 'strict';
  const { query, ignored } = parseSearch(req.type, params, { strict });
  const count = query.summary === 'count' ? 0 : Math.min(query.count ?? ctx.config.pageSizeDefault, ctx.config.pageSizeMax);
  const page = await ctx.repo.search(query, count);

  const path = req.type ?? '';
  const kept = Object.fromEntries(Object.entries(params).filter(([k]) => !ignored.includes(k)));
  const withoutCursor = Object.fromEntries(Object.entries(kept).filter(([k]) => k !== '_cursor'));
  const link: BundleLink[] = [link_('self', ctx, path, kept, {}), link_('first', ctx, path, withoutCursor, {})];
  if (page.next) link.push(link_('next', ctx, path, withoutCursor, { _cursor: encodeSearchCursor(page.next) }));
  if (page.previous) link.push(link_('previous', ctx, path, withoutCursor, { _cursor: encodeSearchCursor(page.previous) }));

  const entry: BundleEntry[] = [
    ...page.matches.map((r) => entryOf(ctx, shape(r, query), 'match')),
    ...page.included.map((r) => entryOf(ctx, shape(r, query), 'include')),
  ];
  if (ignored.length) {
    const text = `ignored search parameter${ignored.length > 1 ? 's' : ''} ${ignored.join(', ')}: unknown, unsupported or empty here (send Prefer: handling=strict to have them rejected)`;
    entry.push({ resource: outcome([issue('warning', 'not-supported', text, ignored)]), search: { mode: 'outcome' } });
  }
  // R4 JSON: an array is never empty, so a search without matches has no `entry` at all.
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', ...(page.total !== undefined ? { total: page.total } : {}), link, ...(entry.length ? { entry } : {}) };
  return { kind: 'ok', body: bundle };
};

/** Query string parameters plus, for POST _search, the form body's (both count, as the spec says). */
function mergedParameters(req: FhirRequest): Record<string, string[]> {
  // No prototype: a parameter named "constructor" or "__proto__" must not find Object.prototype's members.
  const out: Record<string, string[]> = Object.create(null);
  for (const source of [req.query, req.form ?? {}]) for (const [k, v] of Object.entries(source)) (out[k] ??= []).push(...v);
  return out;
}

function shape(resource: Resource, query: SearchQuery): Resource {
  if (query.summary === 'true' || query.summary === 'text' || query.summary === 'data') return summarize(resource, query.summary);
  if (query.elements?.length) return selectElements(resource, query.elements);
  return resource;
}

function entryOf(ctx: RequestContext, resource: Resource, mode: 'match' | 'include'): BundleEntry {
  return { fullUrl: `${ctx.baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode } };
}

function link_(relation: string, ctx: RequestContext, path: string, query: Record<string, string[]>, overrides: Record<string, string>): BundleLink {
  const l = pageLink(relation, ctx.baseUrl, path, query, overrides);
  return { relation, url: l.url.replace(/\/\?/, '?').replace(/\/$/, '') };
}
