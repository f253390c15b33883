/**
 * Runs prepared entries through the handlers the HTTP router runs for the same interactions, in the
 * order R4 prescribes for a transaction (http.html#trules), which a batch follows too: DELETE, then
 * POST, then PUT and PATCH, then GET and HEAD; within each, the order of the Bundle (Binary writes first).
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

/**
 * The entries in processing order (a stable sort: Bundle order within each method group, except that
 * Binary POSTs and PUTs come first in theirs, so that attachments linking their content can be
 * checked, as binary/attachments.ts does, however the Bundle orders them).
 */
export function processingOrder<E extends PreparedEntry>(entries: readonly E[]): E[] {
  const rank = (e: E) => RANK[e.method] * 2 + (e.request.type === 'Binary' && (e.method === 'POST' || e.method === 'PUT') ? 0 : 1);
  return [...entries].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
}

/** Runs one entry: its interaction's handler with the entry's request, in `ctx` (a transaction's context inside one). */
export function runEntry(ctx: RequestContext, entry: PreparedEntry): Promise<FhirResult> {
  return entry.interaction.handler(ctx, entry.request);
}
