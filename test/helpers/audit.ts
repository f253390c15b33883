/**
 * Helpers for the audit trail tests: wait for the audit writer, and find the AuditEvent of one
 * request (by its X-Request-Id, BALP's XrequestId entity) read straight from the store.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { existingAuditWriter } from '../../src/audit/index';
import type { TestApp } from './test-app';

/** Resolves once every AuditEvent queued so far is stored. */
export async function auditIdle(t: Pick<TestApp, 'store'>): Promise<void> {
  await existingAuditWriter(t.store)?.idle();
}

/** Every stored AuditEvent (read from the store, so reading them records nothing). */
export async function storedEvents(t: Pick<TestApp, 'store'>): Promise<AuditEvent[]> {
  await auditIdle(t);
  const docs = await t.store.collection('AuditEvent').find({ deleted: false });
  return docs.map((d) => d.resource as AuditEvent);
}

/** The one AuditEvent recording the request sent with X-Request-Id `requestId`. */
export async function eventFor(t: Pick<TestApp, 'store'>, requestId: string): Promise<AuditEvent> {
  const found = (await storedEvents(t)).filter((e) => e.entity?.some((x) => x.what?.identifier?.value === requestId));
  if (found.length !== 1) throw new Error(`expected one AuditEvent for request ${requestId}, found ${found.length}`);
  return found[0];
}

/** What a test usually checks of an event, in one object. */
export function summary(e: AuditEvent) {
  return {
    action: e.action,
    subtype: e.subtype?.map((c) => c.code),
    outcome: e.outcome,
    entities: e.entity?.filter((x) => x.what?.reference).map((x) => `${x.role?.code}:${x.what?.reference}`),
  };
}
