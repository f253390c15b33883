/**
 * batch (R4 http.html#transaction): POST [base] with a Bundle of type batch. Every entry is
 * independent: each runs through its interaction's handler on its own (each write in its own store
 * transaction), a failing entry gets its status and OperationOutcome in its response entry, and the
 * batch answers 200 with a batch-response listing every entry in Bundle order. As R4 asks, no
 * references between entries are resolved (bundle.html#references: they are non-conformant in a
 * batch), nor conditional references (a transaction-only feature); an entry holding a `urn:uuid:` or
 * `urn:oid:` reference, which could never resolve, fails with a 400 saying to send a transaction.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { FhirResult, RequestContext } from './types';
import { invalid, OperationOutcomeError } from '../fhir/outcome';
import { findReferences } from './bundle/references';
import { parsePrefer } from '../fhir/prefer';
import { prepareEntry, type PreparedEntry } from './bundle/entries';
import { atEntry } from './bundle/errors';
import { processingOrder, runEntry, type BundleRun } from './bundle/run';
import { failedEntry, responseEntry } from './bundle/response';
import { HeapBudget } from '../runtime/heap';

/** Processes a batch Bundle and answers its batch-response. */
export async function batch(ctx: RequestContext, bundle: Bundle, run: BundleRun): Promise<FhirResult> {
  const prefer = parsePrefer(run.prefer);
  const answers: BundleEntry[] = [];
  const prepared: PreparedEntry[] = [];
  (bundle.entry ?? []).forEach((entry, index) => {
    try {
      prepared.push(prepareEntry(entry, index, { baseUrl: ctx.baseUrl, prefer: run.prefer, interactions: run.interactions }));
    } catch (err) {
      answers[index] = failed(err, { index });
    }
  });
  const heap = new HeapBudget();
  for (const entry of processingOrder(prepared)) {
    heap.check();
    try {
      assertNoUrnReference(entry);
      answers[entry.index] = responseEntry(entry, await runEntry(ctx, entry), ctx.baseUrl, prefer);
    } catch (err) {
      answers[entry.index] = failed(err, entry);
    }
  }
  return { kind: 'ok', body: { resourceType: 'Bundle', type: 'batch-response', ...(answers.length ? { entry: answers } : {}) } };
}

/** Refuses a `urn:uuid:`/`urn:oid:` reference: in a batch it names no resource and would be stored unresolved. */
function assertNoUrnReference(entry: PreparedEntry): void {
  const found = findReferences(entry.request.body).find((r) => /^urn:(uuid|oid):/.test(r.value));
  if (!found) return;
  const text = `the reference ${found.value} is resolved only between the entries of a transaction; in a batch it names no resource (send a Bundle of type transaction, or reference stored resources as Type/id)`;
  throw atEntry(invalid(text), entry, Array.isArray(entry.request.body) ? 'resource.data' : `resource.${found.path}`);
}

/** The response entry of a failed entry; anything but an OperationOutcomeError is a bug and fails the whole request (500, logged). */
function failed(err: unknown, entry: Parameters<typeof atEntry>[1]): BundleEntry {
  const restated = atEntry(err, entry);
  if (!(restated instanceof OperationOutcomeError)) throw restated;
  return failedEntry(restated);
}
