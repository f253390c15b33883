/**
 * history (R4 http.html#history) at instance, type and system level: a Bundle of type history,
 * newest first, with `_count`, `_since`, `_at` and self/first/next/previous links.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { FhirRequest, Handler, RequestContext } from './types';
import { assertKnownType } from './resource-type';
import { assertValidId } from '../fhir/ids';
import { invalid } from '../fhir/outcome';
import { requireDateRange } from '../fhir/dates';
import { pageLink } from '../fhir/paging';
import { decodeCursor, encodeCursor } from '../repository/history-cursor';
import type { HistoryDoc } from '../repository/documents';
import type { HistoryQuery } from '../repository/history';

const KNOWN = new Set(['_count', '_since', '_at', '_cursor', '_format', '_pretty', '_summary']);

export const history: Handler = async (ctx, req) => {
  if (req.type) assertKnownType(req.type);
  if (req.id !== undefined) assertValidId(req.id);
  const query = parseHistoryQuery(ctx, req);
  const page = await ctx.repo.history(query);
  const path = [req.type, req.id, '_history'].filter(Boolean).join('/');
  const kept = Object.fromEntries(Object.entries(req.query).filter(([k]) => KNOWN.has(k) && k !== '_cursor'));
  const count = String(query.count);
  const link = [pageLink('self', ctx.baseUrl, path, req.query, {}), pageLink('first', ctx.baseUrl, path, kept, { _count: count })];
  if (page.hasOlder && page.last) link.push(pageLink('next', ctx.baseUrl, path, kept, { _count: count, _cursor: encodeCursor({ direction: 'older', key: page.last }) }));
  if (page.hasNewer && page.first) link.push(pageLink('previous', ctx.baseUrl, path, kept, { _count: count, _cursor: encodeCursor({ direction: 'newer', key: page.first }) }));
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    total: page.total,
    link,
    // R4 JSON: an array is never empty.
    ...(page.entries.length ? { entry: page.entries.map((doc) => historyEntry(ctx.baseUrl, doc)) } : {}),
  };
  return { kind: 'ok', body: bundle };
};

function parseHistoryQuery(ctx: RequestContext, req: FhirRequest): HistoryQuery {
  const one = (name: string): string | undefined => {
    const values = req.query[name];
    if (values && values.length > 1) throw invalid(`${name} may be given only once`, name);
    return values?.[0];
  };
  const countText = one('_count');
  let count = ctx.config.pageSizeDefault;
  if (countText !== undefined) {
    if (!/^\d+$/.test(countText)) throw invalid(`_count must be a whole number, not "${countText}"`, '_count');
    count = Math.min(Number(countText), ctx.config.pageSizeMax);
  }
  const since = one('_since');
  const at = one('_at');
  const cursor = one('_cursor');
  return {
    type: req.type,
    id: req.id,
    count,
    sinceMs: since === undefined ? undefined : requireDateRange(since, '_since').startMs,
    at: at === undefined ? undefined : requireDateRange(at, '_at'),
    cursor: cursor === undefined ? undefined : decodeCursor(cursor),
  };
}

function historyEntry(baseUrl: string, doc: HistoryDoc): BundleEntry {
  const url = `${doc.type}/${doc.id}`;
  const entry: BundleEntry = { fullUrl: `${baseUrl}/${url}` };
  if (doc.resource) entry.resource = doc.resource;
  const created = doc.method === 'POST' || (doc.method === 'PUT' && doc.versionId === 1);
  entry.request = { method: doc.method, url: doc.method === 'POST' ? doc.type : url };
  entry.response = {
    status: doc.method === 'DELETE' ? '204' : created ? '201' : '200',
    etag: `W/"${doc.versionId}"`,
    lastModified: doc.lastUpdated,
  };
  return entry;
}
