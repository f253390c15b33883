/**
 * Storage indexes for search, derived from the registry. The rule, per resource type (collection):
 * - `lastUpdatedMs` (for `_lastUpdated` and history-ordered listings);
 * - `deleted`: every search pins it to false, so with it indexed a search made only of equalities
 *   (codes, identifiers, references, ids) is answered from the indexes without reading documents;
 * - `sp.<code>.c` and `sp.<code>.k` for every token parameter (`code` and `system|code` lookups of
 *   codes, identifiers, statuses, `_tag`, `_security`);
 * - `sp.<code>.r` for every reference parameter (references, chaining, `_include`/`_revinclude`, `_has`);
 * - `sp.<code>.n` for every string parameter (the default prefix match is a range of the folded
 *   values: MongoDB bounds an anchored regex by its prefix, the embedded engine keeps an ordered index).
 * Each is a multikey index: `sp.<code>` is an array of objects, indexed under every element.
 * - `sp.<code>.lo` and `sp.<code>.hi` for the date parameters of Relay's implementation guide (the
 *   worklists' `Task?due=lt<now>`).
 * Not indexed: the other date, number, quantity, uri and composite parameters (their ranges are
 * compared on two stored bounds, lo and hi). `_id` is always indexed by the engines.
 * History collections get `id` (the versions of one resource: instance history).
 * The largest R4 type (Observation) gets 44 (45 with `_id`) of MongoDB's 64 indexes per collection.
 */
import type { Collections } from '../storage/port';
import { currentCollection, historyCollection } from '../repository/documents';
import { RELAY_CANONICAL_BASE } from '../conformance/package';
import { searchParams } from './registry';

export interface SearchIndexSpec {
  keys: Record<string, 1 | -1>;
}

/** The search indexes the current-version collection of `resourceType` should have. */
export function searchIndexes(resourceType: string): SearchIndexSpec[] {
  const out: SearchIndexSpec[] = [{ keys: { lastUpdatedMs: 1 } }, { keys: { deleted: 1 } }];
  for (const def of searchParams(resourceType)) {
    if (def.code === '_id') continue;
    if (def.type === 'token') out.push({ keys: { [`sp.${def.code}.c`]: 1 } }, { keys: { [`sp.${def.code}.k`]: 1 } });
    else if (def.type === 'reference') out.push({ keys: { [`sp.${def.code}.r`]: 1 } });
    else if (def.type === 'string') out.push({ keys: { [`sp.${def.code}.n`]: 1 } });
    else if (def.type === 'date' && def.url.startsWith(`${RELAY_CANONICAL_BASE}/`)) out.push({ keys: { [`sp.${def.code}.lo`]: 1 } }, { keys: { [`sp.${def.code}.hi`]: 1 } });
  }
  return out;
}

/** The indexes of the history collection of every type: `id`, for instance history and the versions of one resource. */
export const HISTORY_INDEXES: readonly SearchIndexSpec[] = [{ keys: { id: 1 } }];

/** Creates the search indexes of every type in `types` (idempotent: existing indexes are kept). */
export async function ensureSearchIndexes(store: Collections, types: readonly string[]): Promise<void> {
  // Issued together: the embedded engine commits them in a few group commits instead of ~2,000 fsyncs.
  await Promise.all(
    types.flatMap((type) => [
      ...searchIndexes(type).map((spec) => store.collection(currentCollection(type)).createIndex(spec.keys)),
      ...HISTORY_INDEXES.map((spec) => store.collection(historyCollection(type)).createIndex(spec.keys)),
    ]),
  );
}
