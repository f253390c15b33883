/**
 * $submit (Relay's OperationDefinition `submit`, README "Consult workflow"): POST
 * [base]/ServiceRequest/[id]/$submit submits a draft consult (or redirects a rejected one). It creates
 * the coordinating Task when the consult has none, then moves the Task to requested through the same
 * write as a PUT would, so the lifecycle rules decide (consult/lifecycle.ts: the requester's role, the
 * submission check listing everything missing in one 422, the due time, routing). All in one store
 * transaction: a refused submission leaves nothing behind. Answers the ServiceRequest and Task as
 * they are afterwards, in a collection Bundle.
 */
import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import { RELAY_CANONICAL_BASE } from '../conformance/package';
import { collectionBundle } from '../fhir/collection';
import { assertValidId } from '../fhir/ids';
import { fail } from '../fhir/outcome';
import type { Handler } from '../rest/types';
import { TASK_CODE_SYSTEM, taskOfRequest } from '../consult/consult';
import { isConsultRequest } from '../validation/consult-profiles';
import { operationInput } from './input';
import type { OperationSpec } from './registry';

const handler: Handler = async (ctx, req) => {
  const id = req.id as string;
  assertValidId(id);
  operationInput(req);
  const request = await ctx.repo.read<ServiceRequest>('ServiceRequest', id);
  if (!isConsultRequest(request)) {
    throw fail('unprocessable', 'business-rule', `ServiceRequest/${id} is not a consult: its category names no consult specialty (https://relay.example/fhir/CodeSystem/consult-specialty)`, 'ServiceRequest.category');
  }
  await ctx.repo.transaction(async (repo) => {
    const task = (await taskOfRequest(repo, id)) ?? (await repo.create(coordinatingTask(request, ctx.now())));
    if (task.status !== 'draft' && task.status !== 'rejected') {
      throw fail('conflict', 'business-rule', `ServiceRequest/${id} is already submitted: its Task/${task.id} is ${task.status}`, 'Task.status');
    }
    await repo.update<Task>({ ...task, status: 'requested' });
  });
  const task = (await taskOfRequest(ctx.repo, id)) as Task;
  const current = await ctx.repo.read<ServiceRequest>('ServiceRequest', id);
  return { kind: 'ok', body: collectionBundle([current, task], ctx.baseUrl, ctx.now()) };
};

/** A new draft coordinating Task for `request` (its single performer, when named, becomes the owner: a directed consult). */
function coordinatingTask(request: ServiceRequest, now: Date): Task {
  const task: Task = {
    resourceType: 'Task',
    status: 'draft',
    intent: 'order',
    priority: request.priority,
    code: { coding: [{ system: TASK_CODE_SYSTEM, code: 'fulfill' }] },
    focus: { reference: `ServiceRequest/${request.id}` },
    basedOn: [{ reference: `ServiceRequest/${request.id}` }],
    for: request.subject,
    requester: request.requester,
    authoredOn: now.toISOString(),
  };
  if (request.performer?.length === 1) task.owner = request.performer[0];
  return task;
}

export const submitOperation: OperationSpec = {
  name: 'submit',
  definition: `${RELAY_CANONICAL_BASE}/OperationDefinition/submit`,
  types: ['ServiceRequest'],
  levels: ['instance'],
  affectsState: true,
  handler,
};
