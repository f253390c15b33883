/**
 * Composition root: wires config, store, validation and the HTTP edge into an application.
 * No I/O happens at import; main.ts (or a test) opens the store and passes it in.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Config } from './config';
import type { ValidationEnv } from './validation/validator';
import type { Store } from './storage/port';
import { Repository } from './repository/repository';
import { anonymousAccess, operatorAccess, scopeAccess, type AccessPolicy } from './repository/access';
import { createAuth } from './auth/runtime';
import { loadR4Definitions, resourceTypes } from './validation/definitions';
import { ensureSearchIndexes } from './search/indexes';
import { reindexIfStale } from './search/reindex';
import { pruneGuards } from './repository/guard';
import { validateResource } from './validation/validator';
import { implementationGuide } from './conformance/package';
import { installImplementationGuide } from './conformance/install';
import { createHttpApp, type HttpApp } from './http/server';
import type { Logger } from './http/errors';
import { startBlobSweep } from './binary/sweep';
import { consultLifecycle } from './consult/lifecycle';
import { escalateOverdue } from './consult/escalation';
import { startPeriodic } from './storage/periodic';
import { auditEventsReadOnly, auditRequests, auditWriterFor, withoutAuditListing } from './audit/index';

export interface AppDeps {
  config: Config;
  store: Store;
  log?: Logger;
  /** The server's clock (default: the system clock); tests inject one to move time (due times, escalation, $stats). */
  clock?: () => Date;
}

/**
 * Readies an opened store for the app: the search indexes of every resource type, index values
 * re-extracted if an older Relay wrote them, idle conditional-write guards removed (all idempotent).
 */
export async function prepareStore(store: Store, options: { baseUrl: string; log?: (message: string) => void }): Promise<void> {
  loadR4Definitions();
  implementationGuide(); // its SearchParameters decide the indexes and the index values
  await ensureSearchIndexes(store, resourceTypes());
  await reindexIfStale(store, options);
  await pruneGuards(store, new Date());
  await installImplementationGuide(store, options.baseUrl);
}

/**
 * Builds the HTTP application serving the FHIR API under /fhir (and, when RELAY_AUTH is smart, the
 * authorization server under /auth, its signing key created in the data directory on first use),
 * and starts the blob sweep (binary/sweep.ts), which stops when the store is closed.
 */
export function buildApp({ config, store, log = defaultLog, clock = () => new Date() }: AppDeps): HttpApp {
  loadR4Definitions();
  const guide = implementationGuide();
  const validate = (resource: Resource, env: ValidationEnv, profiles?: readonly string[]) => validateResource(resource, env, { strictProfiles: config.strictProfiles, profiles });
  const binary = { blobs: store.blobs, maxUploadBytes: config.maxUploadBytes, attachmentInlineMaxBytes: config.attachmentInlineMaxBytes };
  const auth = config.auth === 'smart' ? createAuth(config) : undefined;
  startBlobSweep(store, { intervalMs: config.blobSweepMs, retentionMs: config.blobRetentionMs, log });
  // The audit trail (src/audit): one AuditEvent per request; AuditEvents read-only and out of system-level listings.
  const audit = auditRequests({ writer: auditWriterFor(store, { baseUrl: config.baseUrl, log, maxQueue: config.auditQueueMax }), baseUrl: config.baseUrl, auth: config.auth, log });
  const visible = withoutAuditListing(store);
  const rules = consultLifecycle({ rules: config.consultRules });
  const repository = (access: AccessPolicy) => new Repository(visible, { validate, readOnly: guide.keys, access, baseUrl: config.baseUrl, binary, now: clock, rules }, visible);
  if (config.escalationIntervalMs > 0) {
    startPeriodic(store, { name: 'consult escalation', intervalMs: config.escalationIntervalMs, log }, async () => {
      const escalated = await escalateOverdue(repository(operatorAccess), { rules: config.consultRules, baseUrl: config.baseUrl, now: clock(), access: operatorAccess });
      if (escalated.length) log({ level: 'info', msg: 'overdue consults escalated', count: escalated.length });
    });
  }
  return createHttpApp({
    auth,
    audit,
    maxBodyBytes: config.maxBodyBytes,
    hardening: { baseUrl: config.baseUrl, corsOrigins: config.corsOrigins, rateLimit: config.rateLimit },
    health: () => ({ status: 'ok', engine: store.engine }),
    log,
    contextFor: (requestId, grant) => {
      // open: the local operator; smart: the token's scopes (no token reaches only metadata and discovery).
      const access = auditEventsReadOnly(!auth ? operatorAccess : grant ? scopeAccess(grant, { organisationRule: config.accessOrganisationRule }) : anonymousAccess);
      return { requestId, baseUrl: config.baseUrl, access, repo: repository(access), config, now: clock };
    },
  });
}

function defaultLog(event: Record<string, unknown>): void {
  console.error(JSON.stringify({ time: new Date().toISOString(), ...event }));
}
