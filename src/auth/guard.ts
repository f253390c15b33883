/**
 * Puts the access check in front of every interaction handler (SMART App Launch 2.x scopes):
 * rest/interactions.ts wraps each row of its table, so the check runs for an HTTP request and for
 * each batch or transaction entry alike (both run the row's handler with the request's context).
 */
import type { Handler, FhirRequest } from '../rest/types';
import type { AccessRequest } from '../repository/access';
import type { AccessInteraction } from './requirements';

/** What an interaction row says about itself (a subset of rest/interactions.ts Interaction). */
export interface GuardedRow {
  code: string;
  path: string;
  handler: Handler;
}

/** Codes that need no scope: the CapabilityStatement, and the Bundle envelope (each entry is checked). */
const FREE = new Set(['capabilities', 'batch', 'transaction']);

/** The row with its handler preceded by `ctx.access.authorize(...)`. */
export function guarded<R extends GuardedRow>(row: R, operations: readonly { name: string; affectsState: boolean }[]): R {
  if (FREE.has(row.code)) return row;
  const handler = row.handler;
  const literalType = /^\/([A-Z][A-Za-z]+)(\/|$)/.exec(row.path)?.[1];
  const opName = /\/\$([A-Za-z-]+)$/.exec(row.path)?.[1];
  const operation = opName ? operations.find((o) => o.name === opName) : undefined;
  const guardedHandler: Handler = (ctx, req) => {
    ctx.access.authorize(accessRequest(row.code as AccessInteraction, req, literalType, operation));
    return handler(ctx, req);
  };
  return { ...row, handler: guardedHandler };
}

function accessRequest(interaction: AccessInteraction, req: FhirRequest, literalType: string | undefined, operation: AccessRequest['operation']): AccessRequest {
  const type = req.type ?? literalType;
  if (type !== undefined) return { interaction, type, operation };
  if (interaction === 'search-system') {
    const listed = [...(req.query._type ?? []), ...(req.form?._type ?? [])].flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
    if (listed.length) return { interaction, types: listed };
  }
  return { interaction, operation };
}
