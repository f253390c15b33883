/**
 * $claim (Relay's OperationDefinition `claim`, README "Consult workflow"): POST [base]/Task/[id]/$claim
 * lets a specialist take a consult routed to a HealthcareService pool. The Task's owner becomes the
 * PractitionerRole named in `owner`, else the caller's own (fhirUser a PractitionerRole, or the one
 * role of a fhirUser Practitioner that works in the pool), and its status accepted: the same write as
 * a PUT, so the lifecycle rules check the claim (consult/lifecycle.ts assertClaim). Answers the Task.
 */
import type { PractitionerRole, Task } from '@medplum/fhirtypes';
import { RELAY_CANONICAL_BASE } from '../conformance/package';
import { assertValidId } from '../fhir/ids';
import { fail, invalid } from '../fhir/outcome';
import type { Handler, RequestContext } from '../rest/types';
import { findAll, localRef } from '../consult/find';
import { operationInput } from './input';
import type { OperationSpec } from './registry';

const handler: Handler = async (ctx, req) => {
  const id = req.id as string;
  assertValidId(id);
  const input = operationInput(req);
  const task = await ctx.repo.read<Task>('Task', id);
  const pool = localRef(task.owner?.reference, ctx.baseUrl);
  if (!pool?.startsWith('HealthcareService/') || task.status !== 'received') {
    throw fail('conflict', 'business-rule', `only a consult waiting in a pool is claimed: Task/${id} is ${task.status}, owned by ${task.owner?.reference ?? 'no one'}`, 'Task.owner');
  }
  const owner = (input.reference('owner') as Task['owner']) ?? (await callersRole(ctx, pool));
  const { resource } = await ctx.repo.update<Task>({ ...task, status: 'accepted', owner });
  return { kind: 'ok', body: resource };
};

/** The caller's PractitionerRole in `pool`, from the token's fhirUser. */
async function callersRole(ctx: RequestContext, pool: string): Promise<NonNullable<Task['owner']>> {
  const user = localRef(ctx.access.grant?.fhirUser, ctx.baseUrl);
  if (user?.startsWith('PractitionerRole/')) return { reference: user };
  if (!user?.startsWith('Practitioner/')) throw invalid('name the PractitionerRole that takes the consult in the "owner" parameter (the token names no practitioner)', 'owner');
  const roles = (await findAll<PractitionerRole>(ctx.repo, 'PractitionerRole', { practitioner: user, service: pool })).filter((r) => r.active !== false);
  if (roles.length !== 1) throw invalid(`${user} has ${roles.length} active PractitionerRoles in ${pool}: name the one that takes the consult in the "owner" parameter`, 'owner');
  return { reference: `PractitionerRole/${roles[0].id}` };
}

export const claimOperation: OperationSpec = {
  name: 'claim',
  definition: `${RELAY_CANONICAL_BASE}/OperationDefinition/claim`,
  types: ['Task'],
  levels: ['instance'],
  affectsState: true,
  handler,
};
