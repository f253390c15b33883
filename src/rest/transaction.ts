/**
 * transaction (R4 http.html#transaction): POST [base] with a Bundle of type transaction. All or
 * nothing: inside one store transaction the entries are planned (bundle/plan.ts: ids, conditional
 * targets, references) and run through their interactions' handlers in the R4 order; the first
 * entry that fails fails the whole request with its status and an OperationOutcome pointing into
 * that entry, and nothing is stored. Refused (501) on a store without atomic transactions. A large
 * transaction collects its garbage as it goes (runtime/heap.ts), lets go of each entry's content once
 * the entry has run (bundle/release.ts; the response reads the stored resources back as it is sent:
 * bundle/response.ts), and lets other requests be served meanwhile (bundle/breather.ts).
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { FhirResult, RequestContext } from './types';
import { conflict, fail } from '../fhir/outcome';
import { parsePrefer } from '../fhir/prefer';
import { prepareEntry, type PreparedEntry } from './bundle/entries';
import { atEntry } from './bundle/errors';
import { TransactionPlan, type PlannedEntry } from './bundle/plan';
import { processingOrder, runEntry, type BundleRun } from './bundle/run';
import { lean, ResponseEntries, type RanResult } from './bundle/response';
import { PendingWrites } from './bundle/pending';
import { releaseEntry } from './bundle/release';
import { Breather } from './bundle/breather';
import { heapBudget } from '../runtime/heap';

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
  const breather = new Breather();
  const prepared: PreparedEntry[] = [];
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    heapBudget.check();
    try {
      prepared.push(prepareEntry(entry, index, { baseUrl: ctx.baseUrl, prefer: run.prefer, interactions: run.interactions }));
    } catch (err) {
      throw atEntry(err, { index });
    }
    await breather.breathe();
  }
  // A store that may run the work again (MongoDB, after a transient error) needs every entry's content until the end.
  const release = !ctx.repo.rerunsTransactions;
  const results = await ctx.repo.transaction(async (tx) => {
    heapBudget.check();
    const plan = new TransactionPlan(tx, prepared, { conditionalDeleteMultiple: ctx.config.conditionalDeleteMultiple, breather });
    const out: RanResult[] = [];
    const deleting: RequestContext = { ...ctx, repo: tx };
    for (const entry of await plan.deletes()) {
      out[entry.index] = await runPlanned(deleting, entry, out);
      heapBudget.check();
      await breather.breathe();
    }
    const others = await plan.others();
    heapBudget.check();
    const pending = new PendingWrites(others);
    const writing: RequestContext = { ...ctx, repo: tx.withPending(pending) };
    for (const entry of processingOrder(others)) {
      out[entry.index] = lean(entry, await runPlanned(writing, entry, out));
      pending.ran(entry);
      if (release) releaseEntry(bundle, entry.index, [entry.request, prepared[entry.index].request]);
      heapBudget.check();
      await breather.breathe();
    }
    return out;
  });
  // What the commit left behind (the journal record's text, the pending layer) goes before the response is made.
  heapBudget.check();
  const response = new ResponseEntries(ctx.baseUrl, parsePrefer(run.prefer));
  for (const entry of prepared) response.succeeded(entry, results[entry.index]);
  return response.result('transaction-response', ctx.repo);
}

/** Runs one planned entry; a conditional create that repeats an earlier one's criteria answers with that one's resource. */
async function runPlanned(ctx: RequestContext, entry: PlannedEntry, done: readonly RanResult[]): Promise<RanResult> {
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
