/**
 * Keyset paging for history: entries are ordered newest first by (lastUpdatedMs, type, id, versionId),
 * and a cursor names the last entry a page showed. Pages stay stable while others write, because new
 * versions sort before every cursor and existing entries never move.
 */
import type { Filter } from '../storage/port';
import { invalid } from '../fhir/outcome';

export interface HistoryKey {
  ms: number;
  type: string;
  id: string;
  versionId: number;
}

/** `older`: entries after the key in newest-first order (next page); `newer`: before it (previous page). */
export interface HistoryCursor {
  direction: 'older' | 'newer';
  key: HistoryKey;
}

export function encodeCursor(cursor: HistoryCursor): string {
  const k = cursor.key;
  return Buffer.from(JSON.stringify([cursor.direction === 'older' ? 'o' : 'n', k.ms, k.type, k.id, k.versionId])).toString('base64url');
}

/** Reads a `_cursor` value; a malformed one is a 400. */
export function decodeCursor(value: string): HistoryCursor {
  try {
    const [d, ms, type, id, versionId] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    if ((d === 'o' || d === 'n') && typeof ms === 'number' && typeof type === 'string' && typeof id === 'string' && typeof versionId === 'number') {
      return { direction: d === 'o' ? 'older' : 'newer', key: { ms, type, id, versionId } };
    }
  } catch {
    // fall through to the error below
  }
  throw invalid(`_cursor value "${value}" is not a paging cursor issued by this server`, '_cursor');
}

/**
 * The filter, within one type's history collection, for entries strictly older (or newer) than `key`
 * in the total order (ms desc, type desc, id desc, versionId desc).
 */
export function cursorFilter(type: string, cursor: HistoryCursor): Filter {
  const { key } = cursor;
  const older = cursor.direction === 'older';
  const lt = older ? '$lt' : '$gt';
  const lte = older ? '$lte' : '$gte';
  if (type !== key.type) {
    // Same ms, different type: decided by type order alone.
    const typeIsOlder = type < key.type;
    return { lastUpdatedMs: typeIsOlder === older ? { [lte]: key.ms } : { [lt]: key.ms } };
  }
  return {
    $or: [
      { lastUpdatedMs: { [lt]: key.ms } },
      { lastUpdatedMs: key.ms, id: { [lt]: key.id } },
      { lastUpdatedMs: key.ms, id: key.id, versionId: { [lt]: key.versionId } },
    ],
  };
}

/** Compares two entries in newest-first order (negative: a comes first). */
export function compareNewestFirst(a: HistoryKey, b: HistoryKey): number {
  if (a.ms !== b.ms) return b.ms - a.ms;
  if (a.type !== b.type) return a.type < b.type ? 1 : -1;
  if (a.id !== b.id) return a.id < b.id ? 1 : -1;
  return b.versionId - a.versionId;
}
