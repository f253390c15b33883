/**
 * History reads (R4 http.html#history): instance, type and system level, newest first, filtered by
 * `_since` and `_at`, paged with keyset cursors so that concurrent writes never shift a page.
 */
import type { Collections, Filter } from '../storage/port';
import { HISTORY_SUFFIX, historyCollection, type HistoryDoc } from './documents';
import { compareNewestFirst, cursorFilter, type HistoryCursor, type HistoryKey } from './history-cursor';

export interface HistoryQuery {
  type?: string;
  id?: string;
  count: number;
  /** Only versions with lastUpdated >= since (epoch ms). */
  sinceMs?: number;
  /** Only versions current at some moment of [start, end) (epoch ms). */
  at?: { startMs: number; endMs: number };
  cursor?: HistoryCursor;
}

export interface HistoryPage {
  entries: HistoryDoc[];
  /** Every matching version, regardless of paging. */
  total: number;
  /** Keys of the first and last entries shown, for previous/next links. */
  first?: HistoryKey;
  last?: HistoryKey;
  hasOlder: boolean;
  hasNewer: boolean;
}

export function keyOf(doc: HistoryDoc): HistoryKey {
  return { ms: doc.lastUpdatedMs, type: doc.type, id: doc.id, versionId: doc.versionId };
}

/**
 * Reads one page of history across the types in scope. `visibleIds` (callers restricted to a
 * compartment or to consults) names the resources of a type whose versions may be shown
 * (undefined: all); a type with none is not read at all.
 */
export async function readHistory(
  db: Collections,
  query: HistoryQuery,
  typeVisible: (type: string) => boolean,
  visibleIds?: (type: string) => Promise<string[] | undefined>,
): Promise<HistoryPage> {
  const candidates = query.type ? [query.type] : (await historyTypes(db)).filter(typeVisible);
  const restricted = new Map<string, string[] | undefined>();
  for (const type of candidates) restricted.set(type, visibleIds ? await visibleIds(type) : undefined);
  const types = candidates.filter((t) => restricted.get(t)?.length !== 0);
  const common = baseFilter(query);
  const newer = query.cursor?.direction === 'newer';
  const order = newer ? 1 : -1;
  const sort = { lastUpdatedMs: order, id: order, versionId: order } as const;
  const perType = await Promise.all(
    types.map(async (type) => {
      const ids = restricted.get(type);
      const base = ids ? { $and: [common, { id: { $in: ids } }] } : common;
      const filter = query.cursor ? { $and: [base, cursorFilter(type, query.cursor)] } : base;
      const history = db.collection<HistoryDoc>(historyCollection(type));
      const [docs, total] = await Promise.all([history.find(filter, { sort, limit: query.count + 1 }), history.countDocuments(base)]);
      return { docs, total };
    }),
  );
  const merged = perType.flatMap((p) => p.docs).sort((a, b) => compareNewestFirst(keyOf(a), keyOf(b)) * (newer ? -1 : 1));
  const more = merged.length > query.count;
  const page = merged.slice(0, query.count);
  if (newer) page.reverse();
  return {
    entries: page,
    total: perType.reduce((n, p) => n + p.total, 0),
    first: page[0] && keyOf(page[0]),
    last: page.at(-1) && keyOf(page.at(-1) as HistoryDoc),
    hasOlder: newer ? query.cursor !== undefined : more,
    hasNewer: newer ? more : query.cursor !== undefined,
  };
}

function baseFilter(query: HistoryQuery): Filter {
  const clauses: Filter[] = [];
  if (query.id !== undefined) clauses.push({ id: query.id });
  if (query.sinceMs !== undefined) clauses.push({ lastUpdatedMs: { $gte: query.sinceMs } });
  if (query.at) {
    clauses.push({ lastUpdatedMs: { $lt: query.at.endMs } });
    clauses.push({ $or: [{ endedMs: null }, { endedMs: { $gt: query.at.startMs } }] });
  }
  return clauses.length === 0 ? {} : clauses.length === 1 ? clauses[0] : { $and: clauses };
}

async function historyTypes(db: Collections): Promise<string[]> {
  const names = await db.listCollections();
  return names.filter((n) => n.endsWith(HISTORY_SUFFIX)).map((n) => n.slice(0, -HISTORY_SUFFIX.length));
}
