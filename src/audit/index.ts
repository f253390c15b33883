/**
 * The audit trail (README "Audit trail"): one AuditEvent per request (http.ts, event.ts), written in
 * chained batches by the store's single writer (writer.ts, chain.ts), verified by verify.ts
 * (`npm run audit:verify`); AuditEvents are read-only through the API (read-only.ts).
 */
import type { Store } from '../storage/port';
import { AuditWriter, type AuditWriterOptions } from './writer';

export { auditRequests } from './http';
export { auditEventsReadOnly, withoutAuditListing } from './read-only';
export { verifyAuditChain, describeReport, type ChainReport } from './verify';
export { AuditWriter } from './writer';

const writers = new WeakMap<Store, AuditWriter>();

/** The store's one audit writer (one chain per store), created on first use and closed with the store. */
export function auditWriterFor(store: Store, options: Omit<AuditWriterOptions, 'store'>): AuditWriter {
  let writer = writers.get(store);
  if (!writer) {
    const created = new AuditWriter({ store, ...options });
    writers.set(store, created);
    store.onClose(() => created.close());
    writer = created;
  }
  return writer;
}

/** The store's audit writer if the app made one (tests await `idle()` before reading the trail). */
export function existingAuditWriter(store: Store): AuditWriter | undefined {
  return writers.get(store);
}
