/**
 * transaction (R4 http.html#transaction): POST [base] with a Bundle of type transaction. All or
 * nothing: inside one store transaction the entries are planned (bundle/plan.ts: ids, conditional
 * targets, references) and run through their interactions' handlers in the R4 order; the first
 * entry that fails fails the whole request with its status and an OperationOutcome pointing into
 * that entry, and nothing is stored. Refused (501) on a store without atomic transactions. A large
 * transaction collects its garbage as it goes (runtime/heap.ts).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirResult, RequestContext } from './types';
import { conflict, fail } from '../fhir/outcome';
import { parsePrefer } from '../fhir/prefer';
import { prepareEntry, type PreparedEntry } from './bundle/entries';
import { atEntry } from './bundle/errors';
import { TransactionPlan, type PlannedEntry } from './bundle/plan';
import { processingOrder, runEntry, type BundleRun } from './bundle/run';
import { responseEntry } from './bundle/response';
import { HeapBudget } from '../runtime/heap';

/** Processes a transaction Bundle and answers its transaction-response. */
export async function transaction(ctx: RequestContext, bundle: Bundle, run: BundleRun): Promise<FhirResult> {
  if (!ctx.repo.transactional) {
    throw fail(
      'not-implemented',
      'not-supported',
      'this server stores its data on a standalone MongoDB server, which has no multi-document transactions, so it cannot process a transaction atomically; it needs a MongoDB replica set (a batch Bundle works without one)',
      'Bundle.type',
    );
  }
  const heap = new HeapBudget();
  const prepared = (bundle.entry ?? []).map((entry, index) => {
    heap.check();
    try {
      return prepareEntry(entry, index, { baseUrl: ctx.baseUrl, prefer: run.prefer, interactions: run.interactions });
    } catch (err) {
      throw atEntry(err, { index });
    }
  });
  const results = await ctx.repo.transaction(async (tx) => {
    heap.check();
    const plan = new TransactionPlan(tx, prepared, { conditionalDeleteMultiple: ctx.config.conditionalDeleteMultiple });
    const out: FhirResult[] = [];
    const deleting: RequestContext = { ...ctx, repo: tx };
    for (const entry of await plan.deletes()) {
      out[entry.index] = await runPlanned(deleting, entry, out);
      heap.check();
    }
    const others = await plan.others();
    heap.check();
    const writing: RequestContext = { ...ctx, repo: tx.withPending(pendingWrites(others)) };
    for (const entry of processingOrder(others)) {
      out[entry.index] = await runPlanned(writing, entry, out);
      heap.check();
    }
    return out;
  });
  const prefer = parsePrefer(run.prefer);
  const entry = prepared.map((e: PreparedEntry) => responseEntry(e, results[e.index], ctx.baseUrl, prefer));
  return { kind: 'ok', body: { resourceType: 'Bundle', type: 'transaction-response', ...(entry.length ? { entry } : {}) } };
}

/** The resources the POST and PUT entries will write, by `Type/id`, so each entry's validation sees the others. */
function pendingWrites(entries: readonly PlannedEntry[]): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const { method, request } of entries) {
    const id = method === 'POST' ? request.assignedId : method === 'PUT' ? request.id : undefined;
    const body = request.body as Resource | undefined;
    if (id && body && typeof body === 'object' && body.resourceType === request.type) out.set(`${request.type}/${id}`, { ...body, id });
  }
  return out;
}

/** Runs one planned entry; a conditional create that repeats an earlier one's criteria answers with that one's resource. */
async function runPlanned(ctx: RequestContext, entry: PlannedEntry, done: readonly FhirResult[]): Promise<FhirResult> {
  if (entry.sameAs !== undefined) {
    const first = done[entry.sameAs];
    return { ...first, kind: 'ok', location: true, message: `same If-None-Exist criteria as Bundle.entry[${entry.sameAs}]: ${first.version?.type}/${first.version?.id}; nothing more was created` };
  }
  let result: FhirResult;
  try {
    result = await runEntry(ctx, entry);
  } catch (err) {
    throw atEntry(err, entry);
  }
  if (entry.plannedId !== undefined && result.version !== undefined && result.version.id !== entry.plannedId) {
    // Another entry of this transaction changed what the criteria select after they were resolved.
    throw atEntry(conflict(`the entry was resolved to ${entry.request.type}/${entry.plannedId} before the transaction ran, but acted on ${result.version.type}/${result.version.id}; another entry changed what its criteria select`), entry);
  }
  return result;
}
