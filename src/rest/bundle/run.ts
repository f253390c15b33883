/**
 * Runs prepared entries through the handlers the HTTP router runs for the same interactions, in the
 * order R4 prescribes for a transaction (http.html#trules), which a batch follows too: DELETE, then
 * POST, then PUT and PATCH, then GET and HEAD; within each, the order of the Bundle.
 */
import type { FhirResult, RequestContext } from '../types';
import type { Interaction } from '../interactions';
import type { EntryMethod, PreparedEntry } from './entries';

/** What a batch or transaction needs besides the Bundle. */
export interface BundleRun {
  /** The interaction table entries are matched against (rest/interactions.ts). */
  interactions: readonly Interaction[];
  /** The Prefer header of the POST: `return` shapes each entry's answer, `handling` each search. */
  prefer?: string;
}

const RANK: Record<EntryMethod, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/** The entries in processing order (a stable sort: Bundle order within each method group). */
export function processingOrder<E extends PreparedEntry>(entries: readonly E[]): E[] {
  return [...entries].sort((a, b) => RANK[a.method] - RANK[b.method] || a.index - b.index);
}

/** Runs one entry: its interaction's handler with the entry's request, in `ctx` (a transaction's context inside one). */
export function runEntry(ctx: RequestContext, entry: PreparedEntry): Promise<FhirResult> {
  return entry.interaction.handler(ctx, entry.request);
}
