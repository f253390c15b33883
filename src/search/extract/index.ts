/**
 * Search value extraction at write time: evaluates every search parameter of a resource's type and
 * converts the results to the contract shapes (../index-values.ts), plus the sort keys. `_id` and
 * `_lastUpdated` are not extracted (answered from the stored document); special parameters
 * (Location `near`) have no index shape.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { IndexValue, SearchIndex, SortKeys } from '../index-values';
import type { SearchParamDef } from '../params';
import { searchParams } from '../registry';
import { compiledBranches } from './compiled';
import { compositeValues } from './composite';
import { sortKey } from './sort';
import { distinct, valuesOf } from './values';

export interface IndexOptions {
  /** The server's base URL (no trailing slash): absolute references on it index as "Type/id". */
  baseUrl: string;
}

export interface ResourceIndex {
  sp: SearchIndex;
  sort: SortKeys;
}

const FROM_DOCUMENT = new Set(['_id', '_lastUpdated']);

/** The search index values and sort keys of `resource` (only parameters with values appear). */
export function indexResource(resource: Resource, options: IndexOptions): ResourceIndex {
  const sp: SearchIndex = {};
  const sort: SortKeys = {};
  for (const def of searchParams(resource.resourceType)) {
    if (FROM_DOCUMENT.has(def.code) || def.type === 'special') continue;
    const values = extractParam(def, resource, options);
    if (values.length === 0) continue;
    sp[def.code] = values;
    const key = sortKey(def.type, values);
    if (key !== undefined) sort[def.code] = key;
  }
  return { sp, sort };
}

/** The index values of one parameter for `resource` (deduplicated). */
export function extractParam(def: SearchParamDef, resource: Resource, options: IndexOptions): IndexValue[] {
  try {
    if (def.type === 'composite') return compositeValues(def, resource, options.baseUrl);
    const out: IndexValue[] = [];
    for (const branch of compiledBranches(def)) {
      const ctx = { baseUrl: options.baseUrl, resource, restrictTo: branch.restrictTo };
      out.push(...valuesOf(def.type, branch.evaluate(resource), ctx));
    }
    return distinct(out);
  } catch (err) {
    const message = (err as Error).message;
    if (message.startsWith('search parameter ')) throw err;
    throw new Error(`search parameter ${def.resourceType}.${def.code} ("${def.expression}"): ${message}`, { cause: err });
  }
}
