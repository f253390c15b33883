/**
 * batch (R4 http.html#transaction): POST [base] with a Bundle of type batch. Every entry is
 * independent: each runs through its interaction's handler on its own (each write in its own store
 * transaction), a failing entry gets its status and OperationOutcome in its response entry, and the
 * batch answers 200 with a batch-response listing every entry in Bundle order. As R4 asks, no
 * references between entries are resolved (bundle.html#references: they are non-conformant in a
 * batch), nor conditional references (a transaction-only feature); an entry holding a `urn:uuid:` or
 * `urn:oid:` reference, which could never resolve, fails with a 400 saying to send a transaction.
 * As a transaction does, a batch lets go of each entry's content once it has run and lets other
 * requests be served meanwhile (bundle/release.ts, bundle/response.ts, bundle/breather.ts).
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { FhirResult, RequestContext } from './types';
import { invalid, OperationOutcomeError } from '../fhir/outcome';
import { findReferences } from './bundle/references';
import { parsePrefer } from '../fhir/prefer';
import { prepareEntry, type PreparedEntry } from './bundle/entries';
import { atEntry } from './bundle/errors';
import { processingOrder, runEntry, type BundleRun } from './bundle/run';
import { lean, ResponseEntries } from './bundle/response';
import { releaseEntry } from './bundle/release';
import { Breather } from './bundle/breather';
import { heapBudget } from '../runtime/heap';

/** Processes a batch Bundle and answers its batch-response. */
export async function batch(ctx: RequestContext, bundle: Bundle, run: BundleRun): Promise<FhirResult> {
  const response = new ResponseEntries(ctx.baseUrl, parsePrefer(run.prefer));
  const breather = new Breather();
  const prepared: PreparedEntry[] = [];
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    try {
      prepared.push(prepareEntry(entry, index, { baseUrl: ctx.baseUrl, prefer: run.prefer, interactions: run.interactions }));
    } catch (err) {
      response.failed(index, restated(err, { index }));
    }
    await breather.breathe();
  }
  for (const entry of processingOrder(prepared)) {
    heapBudget.check();
    try {
      assertNoUrnReference(entry);
      response.succeeded(entry, lean(entry, await runEntry(ctx, entry)));
    } catch (err) {
      response.failed(entry.index, restated(err, entry));
    }
    releaseEntry(bundle, entry.index, [entry.request]);
    await breather.breathe();
  }
  return response.result('batch-response', ctx.repo);
}

/** Refuses a `urn:uuid:`/`urn:oid:` reference: in a batch it names no resource and would be stored unresolved. */
function assertNoUrnReference(entry: PreparedEntry): void {
  const found = findReferences(entry.request.body).find((r) => /^urn:(uuid|oid):/.test(r.value));
  if (!found) return;
  const text = `the reference ${found.value} is resolved only between the entries of a transaction; in a batch it names no resource (send a Bundle of type transaction, or reference stored resources as Type/id)`;
  throw atEntry(invalid(text), entry, Array.isArray(entry.request.body) ? 'resource.data' : `resource.${found.path}`);
}

/** The error of a failed entry, restated for it; anything but an OperationOutcomeError is a bug and fails the whole request (500, logged). */
function restated(err: unknown, entry: Parameters<typeof atEntry>[1]): OperationOutcomeError {
  const restated = atEntry(err, entry);
  if (!(restated instanceof OperationOutcomeError)) throw restated;
  return restated;
}
