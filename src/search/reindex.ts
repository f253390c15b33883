/**
 * Keeps the stored search index values (`sp`, `sort` beside each resource) in step with the
 * extraction code. The store records which version of the extraction wrote them; when that is older
 * than SEARCH_INDEX_VERSION (or unrecorded, as in stores written before the record existed), every
 * current resource is re-extracted at start-up, before the server answers any search, so a search
 * never misses a resource written by an older Relay. The same happens when the custom
 * SearchParameters (e.g. those of profiles/package) differ from the ones the values were extracted for.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Store } from '../storage/port';
import { currentCollection, type CurrentDoc } from '../repository/documents';
import { isResourceType } from '../validation/definitions';
import { indexResource } from './extract/index';
import { customParametersFingerprint } from './registry';

/**
 * Raise whenever extraction changes what it stores. 2: token values carry `k` (system|code), and
 * `deleted` is indexed.
 */
export const SEARCH_INDEX_VERSION = 2;

/** The collection of Relay's own bookkeeping documents (not a resource type). */
export const RELAY_META_COLLECTION = '_relay';
const RECORD_ID = 'search-index';
const BATCH = 500;
/** The fingerprint of no custom parameters (records written before fingerprints were kept had none). */
const EMPTY = createHash('sha1').update('').digest('hex');

/** Re-extracts the index values of every current resource when the store's were written by an older version; returns how many changed. */
export async function reindexIfStale(store: Store, options: { baseUrl: string; log?: (message: string) => void }): Promise<number> {
  const meta = store.collection<{ _id: string; version: number; parameters?: string }>(RELAY_META_COLLECTION);
  const recorded = await meta.findOne({ _id: RECORD_ID });
  const parameters = customParametersFingerprint();
  if (recorded?.version === SEARCH_INDEX_VERSION && (recorded.parameters ?? EMPTY) === parameters) return 0;
  let changed = 0;
  for (const type of (await store.listCollections()).filter((n) => isResourceType(n))) {
    let after: string | undefined;
    for (;;) {
      const filter = after === undefined ? { deleted: false } : { deleted: false, _id: { $gt: after } };
      const docs = await store.collection<CurrentDoc>(currentCollection(type)).find(filter, { sort: { _id: 1 }, limit: BATCH });
      if (docs.length === 0) break;
      after = docs[docs.length - 1]._id;
      changed += await store.transaction(async (tx) => {
        let n = 0;
        for (const doc of docs) {
          if (!doc.resource) continue;
          const { sp, sort } = indexResource(doc.resource, { baseUrl: options.baseUrl });
          if (isDeepStrictEqual(sp, doc.sp) && isDeepStrictEqual(sort, doc.sort)) continue;
          await tx.collection<CurrentDoc>(currentCollection(type)).replaceOne({ _id: doc._id, versionId: doc.versionId }, { ...doc, sp, sort });
          n++;
        }
        return n;
      });
    }
  }
  if (changed > 0) options.log?.(`search index values re-extracted for ${changed} resources (stored by an older version of Relay, or for other search parameters)`);
  await meta.replaceOne({ _id: RECORD_ID }, { _id: RECORD_ID, version: SEARCH_INDEX_VERSION, parameters }, { upsert: true });
  return changed;
}
