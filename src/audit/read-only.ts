/**
 * AuditEvents through the FHIR API: read and search only. Clients (the local operator included) may
 * not create, update, patch or delete them (403); only the audit writer stores them. And they stay
 * out of system-level history and system-level search without `_type` (see README "Audit trail").
 */
import type { Resource } from '@medplum/fhirtypes';
import { fail } from '../fhir/outcome';
import type { AccessPolicy } from '../repository/access';
import type { Collections, Store } from '../storage/port';
import { historyCollection } from '../repository/documents';

const AUDIT = 'AuditEvent';
const WRITES = new Set(['create', 'update', 'patch', 'delete']);

/** `policy`, refusing every change to an AuditEvent (403 forbidden), for HTTP requests and Bundle entries alike. */
export function auditEventsReadOnly(policy: AccessPolicy): AccessPolicy {
  const deny = () => fail('forbidden', 'forbidden', 'AuditEvents are recorded by Relay only; they can be read and searched, never created, changed or deleted');
  return new Proxy(policy, {
    get(target, prop) {
      if (prop === 'authorize') {
        return (request: Parameters<AccessPolicy['authorize']>[0]) => {
          if (request.type === AUDIT && WRITES.has(request.interaction)) throw deny();
          if (request.type === AUDIT && request.interaction === 'operation' && request.operation?.affectsState) throw deny();
          target.authorize(request);
        };
      }
      if (prop === 'canWrite') return (resource: Resource) => resource.resourceType !== AUDIT && target.canWrite(resource);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A view of `store` whose collection list leaves out AuditEvent: system-level `_history` and
 * system-level search without `_type` then never list AuditEvents (every request adds one, so the
 * change feed would grow with its own polling). `/AuditEvent`, `/AuditEvent/_history` and
 * `?_type=AuditEvent` name the type and still find them.
 */
export function withoutAuditListing<S extends Collections>(store: S): S {
  const hidden = new Set([AUDIT, historyCollection(AUDIT)]);
  const view = <C extends Collections>(inner: C): C =>
    new Proxy(inner, {
      get(target, prop) {
        if (prop === 'listCollections') return async () => (await target.listCollections()).filter((n) => !hidden.has(n));
        if (prop === 'transaction') return <R>(work: (tx: Collections) => Promise<R>) => (target as unknown as Store).transaction((tx) => work(view(tx)));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return view(store);
}
