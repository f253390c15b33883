/**
 * How resources are laid out in storage: per resource type, a collection of current versions
 * (`Patient`) and a collection of every version (`Patient_history`). Only the repository reads these.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Doc } from '../storage/port';
import type { SearchIndex, SortKeys } from '../search/index-values';
import type { BlobRef } from '../binary/refs';

/** The current version of one logical resource (a deletion keeps the doc, with deleted: true). */
export interface CurrentDoc extends Doc {
  versionId: number;
  lastUpdated: string;
  lastUpdatedMs: number;
  deleted: boolean;
  resource: Resource | null;
  /** Search index values (search/index-values.ts); absent on a deletion. */
  sp?: SearchIndex;
  /** Sort keys (search/index-values.ts); absent on a deletion. */
  sort?: SortKeys;
  /** A Binary's content in the blob store (never the bytes themselves); absent without content. */
  blob?: BlobRef;
}

export type HistoryMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One version of one resource. `endedMs` is when the next version replaced it (null while current). */
export interface HistoryDoc extends Doc {
  type: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  lastUpdatedMs: number;
  endedMs: number | null;
  method: HistoryMethod;
  resource: Resource | null;
  /** A Binary version's content in the blob store. */
  blob?: BlobRef;
}

export const HISTORY_SUFFIX = '_history';

export function currentCollection(type: string): string {
  return type;
}

export function historyCollection(type: string): string {
  return type + HISTORY_SUFFIX;
}

export function historyKey(id: string, versionId: number): string {
  return `${id}/${versionId}`;
}
