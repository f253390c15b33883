/**
 * $escalate (Relay's OperationDefinition `escalate`, README "Consult workflow"): POST
 * [base]/Task/$escalate runs the escalation of overdue consults now, at the server's clock
 * (consult/escalation.ts; Relay also runs it every RELAY_ESCALATION_INTERVAL). Administrators only: the
 * operator of an `open` server, or a system/ client without an organisation. Answers the Tasks it
 * escalated in a collection Bundle.
 */
import { RELAY_CANONICAL_BASE } from '../conformance/package';
import { collectionBundle } from '../fhir/collection';
import { fail } from '../fhir/outcome';
import type { Handler } from '../rest/types';
import { escalateOverdue } from '../consult/escalation';
import { callerOf } from '../consult/roles';
import { operationInput } from './input';
import type { OperationSpec } from './registry';

const handler: Handler = async (ctx, req) => {
  operationInput(req);
  const caller = await callerOf(ctx.access, ctx.repo, ctx.baseUrl);
  if (caller.kind === 'identities') throw fail('forbidden', 'forbidden', `$escalate is for administrators (the operator, or a system/ client without an organisation); ${ctx.access.actor.display} is not one`);
  const now = ctx.now();
  const tasks = await escalateOverdue(ctx.repo, { rules: ctx.config.consultRules, baseUrl: ctx.baseUrl, now, access: ctx.access });
  return { kind: 'ok', body: collectionBundle(tasks, ctx.baseUrl, now) };
};

export const escalateOperation: OperationSpec = {
  name: 'escalate',
  definition: `${RELAY_CANONICAL_BASE}/OperationDefinition/escalate`,
  types: ['Task'],
  levels: ['type'],
  affectsState: true,
  handler,
};
