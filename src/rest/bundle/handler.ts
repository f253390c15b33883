/**
 * POST [base] (R4 http.html#transaction): a Bundle of type batch or transaction. One handler serves
 * both rows of the interaction table; it checks the Bundle and hands it to rest/batch.ts or
 * rest/transaction.ts.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { Handler } from '../types';
import type { Interaction } from '../interactions';
import { fail, invalid } from '../../fhir/outcome';
import { batch } from '../batch';
import { transaction } from '../transaction';

/** The POST [base] handler, running entries through the interactions `registered()` returns when called. */
export function bundleHandler(registered: () => readonly Interaction[]): Handler {
  return async (ctx, req) => {
    const bundle = readBundle(req.body, ctx.config.bundleMaxEntries);
    const run = bundle.type === 'transaction' ? transaction : batch;
    return run(ctx, bundle, { interactions: registered(), prefer: req.headers.prefer });
  };
}

/** The body as a batch or transaction Bundle with at most `maxEntries` entries; 400 or 413 otherwise. */
export function readBundle(body: unknown, maxEntries: number): Bundle & { type: 'batch' | 'transaction' } {
  if (body === undefined) throw invalid('POST to the base takes a Bundle of type batch or transaction as its body');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('the body must be a JSON object (a Bundle)');
  const bundle = body as Bundle;
  if (bundle.resourceType !== 'Bundle') {
    throw invalid(`POST to the base takes a Bundle of type batch or transaction, not ${JSON.stringify(bundle.resourceType)}; to create a resource, POST it to [base]/[type]`, 'resourceType');
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    const kind = typeof bundle.type === 'string' ? `${bundle.type} Bundle` : 'Bundle';
    throw invalid(`POST to the base processes a Bundle of type batch or transaction, not ${JSON.stringify(bundle.type)}; to store a ${kind} as a resource, POST it to [base]/Bundle`, 'Bundle.type');
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw invalid('Bundle.entry must be an array', 'Bundle.entry');
  const count = bundle.entry?.length ?? 0;
  if (count > maxEntries) {
    throw fail('too-large', 'too-costly', `the Bundle has ${count} entries; this server processes at most ${maxEntries} per batch or transaction (RELAY_BUNDLE_MAX_ENTRIES)`, 'Bundle.entry');
  }
  return bundle as Bundle & { type: 'batch' | 'transaction' };
}
