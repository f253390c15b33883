/**
 * The consult lifecycle on every write of a consult's coordinating Task or ServiceRequest
 * (repository/write-rules.ts; table in consult/states.ts). A change of Task.status must be a
 * transition of the table that one of the caller's roles may make, and pass its check; anything else
 * is refused with 409 naming the transitions allowed. The ServiceRequest follows its Task, and each
 * transition records a Provenance (consult/effects.ts). The ServiceRequest's own status changes only
 * by cancellation (revoked, by the requester) or entered-in-error (administrator); its Task follows.
 */
import type { Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { fail } from '../fhir/outcome';
import type { Repository } from '../repository/repository';
import type { RulesEnv, WriteChange, WritePlan, WriteRules } from '../repository/write-rules';
import { isConsultRequest } from '../validation/consult-profiles';
import { planAnswer, planReport, planSubTask } from './automatic';
import { withoutStage } from './business-status';
import { requireOwner, requireQuestion, requireReason, requireReport } from './checks';
import { isCoordinatingTaskShape, specialtyOf, taskOfRequest } from './consult';
import { recordTransition, syncRequest, type Agent } from './effects';
import { idOf, localRef } from './find';
import { callerOf, rolesOn, type Caller } from './roles';
import { dueTime, type ConsultRules } from './rules';
import { ancestors, candidates, directedOwnerIssues, rejectedBy, route } from './routing';
import { assertSubmittable } from './submission';
import { isTaskStatus, OPEN_STATUSES, transition, transitionsFrom, type Role, type TaskStatus } from './states';

export interface LifecycleOptions {
  rules: ConsultRules;
}

/** Task elements that say what the consult is and who has it: only an administrator changes them once it is submitted. */
const TASK_ASSIGNMENT = ['focus', 'basedOn', 'for', 'code', 'intent', 'requester', 'owner', 'restriction'] as const;
const REQUEST_IDENTITY = ['subject', 'requester', 'category', 'intent'] as const;
const withoutOwner = TASK_ASSIGNMENT.filter((k) => k !== 'owner');

export function consultLifecycle(options: LifecycleOptions): WriteRules {
  return {
    async plan(change, env) {
      const resource = change.after ?? change.before;
      switch (resource?.resourceType) {
        case 'Task':
          if (change.after && change.after.resourceType === 'Task' && change.after.partOf?.length) return planSubTask(change.after, env);
          return planTask(change, env, options);
        case 'ServiceRequest':
          return planRequest(change, env);
        case 'Communication':
          return change.after?.resourceType === 'Communication' ? planAnswer(change.after, env) : undefined;
        case 'DiagnosticReport':
          return change.after?.resourceType === 'DiagnosticReport' ? planReport(change.after, env) : undefined;
        default:
          return undefined;
      }
    },
  };
}

async function planTask(change: WriteChange, env: RulesEnv, options: LifecycleOptions): Promise<WritePlan | undefined> {
  const before = change.before as Task | undefined;
  const after = change.after as Task | undefined;
  const request = (after && (await consultRequestOf(after, env))) ?? (before && (await consultRequestOf(before, env)));
  if (!request) return undefined;
  const caller = await callerOf(env.access, env.server, env.baseUrl);
  const roles = rolesOn(caller, request, before ?? after, env.baseUrl);
  const agent = agentOf(env);

  if (!after) {
    const b = before as Task;
    if (roles.has('administrator') || (b.status === 'draft' && roles.has('requester'))) return {};
    throw fail('conflict', 'business-rule', `Task/${b.id} coordinates a consult in status ${b.status}: only a draft is deleted by its requester; cancel the consult (status cancelled) or have an administrator mark it entered-in-error`);
  }
  const to = statusOf(after);
  if (!before) {
    const other = await taskOfRequest(env.server, request.id as string, after.id);
    if (other) throw fail('conflict', 'duplicate', `ServiceRequest/${request.id} already has a coordinating Task (Task/${other.id}); a consult has one`, 'Task.focus');
    if (to === 'draft' ? !roles.has('requester') && !roles.has('administrator') : !roles.has('administrator')) {
      const why = to === 'draft' ? 'only its requester (or an administrator) creates a consult' : `a new consult Task starts as draft and is submitted afterwards; creating one in status ${to} imports an existing consult, which only an administrator may do`;
      throw fail('conflict', 'business-rule', `${why} (you hold ${roleList(roles)})`, 'Task.status');
    }
    return { afterStore: async (stored, repo) => transitionEffects(repo, { task: stored as Task, request, to, agent, env }) };
  }

  const from = statusOf(before);
  // After a rejection the requester may name another owner (a redirect), nothing else of the assignment.
  const redirect = from === 'rejected' && roles.has('requester');
  if (from === to) {
    assertEditable(before, after, roles, redirect ? withoutOwner : TASK_ASSIGNMENT, from === 'draft');
    return undefined;
  }
  const step = transition(from, to);
  if (!step || !step.roles.some((r) => roles.has(r))) throw illegal('Task', from, to, roles);
  const pool = localRef(before.owner?.reference, env.baseUrl);
  const claim = to === 'accepted' && pool?.startsWith('HealthcareService/') === true;
  if (claim) await assertClaim(after, pool as string, request, caller, env);
  assertEditable(before, after, roles, claim || redirect ? withoutOwner : TASK_ASSIGNMENT, from === 'draft' || roles.has('administrator'));
  let task = after;
  switch (step.check) {
    case 'reason':
      requireReason(task, to);
      break;
    case 'owner':
      requireOwner(task);
      break;
    case 'question':
      task = await requireQuestion(task, request, env);
      break;
    case 'report':
      await requireReport(task, request, env);
      break;
    case 'submission': {
      // An owner who rejected the consult is not named again; one named must be eligible (a directed consult).
      // (Only a redirect after a rejection has any: a draft's history holds no rejection.)
      const rejecters = from === 'rejected' ? await rejectedBy(env.server, before.id as string, env.baseUrl) : [];
      if (rejecters.includes(localRef(task.owner?.reference, env.baseUrl) ?? '')) {
        const { owner: _rejected, ...unassigned } = task;
        task = unassigned;
      }
      await assertSubmittable(request, env, options.rules, await directedOwnerIssues(task, request, env, options.rules));
      task = { ...task, restriction: { ...task.restriction, period: { ...task.restriction?.period, end: dueTime(options.rules, task.priority ?? request.priority, env.now).toISOString() } } };
      if (!task.authoredOn) task.authoredOn = env.now.toISOString();
      break;
    }
    case undefined:
      if (from === 'on-hold') task = withoutStage(task, 'awaiting-information');
      break;
    default:
      return exhaustive(step.check);
  }
  return {
    resource: task,
    afterStore: async (stored, repo) => {
      await transitionEffects(repo, { task: stored as Task, previous: before, request, from, to, agent, env });
      // The router assigns a consult just submitted, and reassigns one its owner rejected (not one an administrator rejected).
      if (step.check === 'submission') await route(stored as Task, request, repo, env, options.rules, from === 'rejected' ? await rejectedBy(repo, before.id as string, env.baseUrl) : []);
      if (to === 'rejected' && roles.has('owner') && !roles.has('administrator')) {
        await route({ ...(stored as Task), status: 'requested', owner: undefined }, request, repo, env, options.rules, await rejectedBy(repo, before.id as string, env.baseUrl), stored as Task);
      }
    },
  };
}

async function planRequest(change: WriteChange, env: RulesEnv): Promise<WritePlan | undefined> {
  const before = change.before as ServiceRequest | undefined;
  const after = change.after as ServiceRequest | undefined;
  if (!(after && isConsultRequest(after)) && !(before && isConsultRequest(before))) return undefined;
  const task = before ? await taskOfRequest(env.server, before.id as string) : undefined;
  const roles = rolesOn(await callerOf(env.access, env.server, env.baseUrl), before ?? after, task, env.baseUrl);

  if (!after) {
    const b = before as ServiceRequest;
    if (roles.has('administrator') || (b.status === 'draft' && roles.has('requester'))) return {};
    throw fail('conflict', 'business-rule', `ServiceRequest/${b.id} is a consult in status ${b.status}: only a draft is deleted by its requester; revoke it (status revoked) instead`);
  }
  if (!before) {
    if (after.status === 'draft' ? roles.has('requester') || roles.has('administrator') : roles.has('administrator')) return undefined;
    const why = after.status === 'draft' ? 'only its requester (or an administrator) creates a consult' : `a new consult starts as draft and is submitted with $submit; creating one in status ${after.status} imports an existing consult, which only an administrator may do`;
    throw fail('conflict', 'business-rule', `${why} (you hold ${roleList(roles)})`, 'ServiceRequest.status');
  }
  const from = before.status;
  const to = after.status;
  if (from === to) {
    assertEditable(before, after, roles, REQUEST_IDENTITY, from === 'draft');
    return undefined;
  }
  const cancel = to === 'revoked' && roles.has('requester') && (!task || OPEN_STATUSES.includes(statusOf(task)) || task.status === 'rejected');
  const retract = to === 'entered-in-error' && roles.has('administrator');
  if (!cancel && !retract) {
    const submit = from === 'draft' && to === 'active' ? `; a draft consult becomes active when it is submitted: POST ServiceRequest/${before.id}/$submit` : '';
    throw fail(
      'conflict',
      'business-rule',
      `ServiceRequest/${before.id} cannot go from ${from} to ${to} here: its status follows its Task; the requester may revoke an open consult and an administrator may mark it entered-in-error (you hold ${roleList(roles)})${submit}`,
      'ServiceRequest.status',
    );
  }
  assertEditable(before, after, roles, REQUEST_IDENTITY, roles.has('administrator'));
  const taskStatus: TaskStatus = cancel ? 'cancelled' : 'entered-in-error';
  return {
    afterStore: async (stored, repo) => {
      if (!task || task.status === taskStatus) return;
      const updated = (await repo.update<Task>({ ...task, status: taskStatus })).resource;
      await recordTransition(repo, { task: updated, previous: task, from: statusOf(task), to: taskStatus, also: [stored as Resource], agent: agentOf(env), at: env.now });
    },
  };
}

/**
 * Accepting a consult owned by a pool claims it: the new owner must be a PractitionerRole of the
 * caller's (the operator names any) that works in the pool and may take the consult (routing.ts candidates).
 */
async function assertClaim(after: Task, pool: string, request: ServiceRequest, caller: Caller, env: RulesEnv): Promise<void> {
  const claimant = localRef(after.owner?.reference, env.baseUrl);
  const refuse = (why: string) => fail('conflict', 'business-rule', `a pooled consult is accepted by claiming it: ${why}`, 'Task.owner');
  if (!claimant?.startsWith('PractitionerRole/')) throw refuse(`Task.owner must become the claiming specialist's PractitionerRole (it is ${after.owner?.reference ?? 'empty'}); POST Task/${after.id}/$claim does this`);
  if (caller.kind === 'identities' && !caller.refs.has(claimant)) throw refuse(`${claimant} is not one of your PractitionerRoles`);
  const specialty = specialtyOf(request);
  const eligible = specialty ? await candidates(env.server, request, [specialty, ...ancestors(specialty)], env, []) : [];
  const role = eligible.find((r) => `PractitionerRole/${r.id}` === claimant);
  if (!role || !(role.healthcareService ?? []).some((h) => localRef(h.reference, env.baseUrl) === pool)) {
    throw refuse(`${claimant} must work in ${pool} (PractitionerRole.healthcareService), be active, have the consult's specialty, be licensed in the patient's jurisdiction and be available`);
  }
}

/** After a Task's transition is stored: the ServiceRequest follows, and a Provenance records both. */
async function transitionEffects(repo: Repository, t: { task: Task; previous?: Task; request: ServiceRequest; from?: TaskStatus; to: TaskStatus; agent: Agent; env: RulesEnv }): Promise<void> {
  const request = await syncRequest(repo, t.request, t.to);
  const reason = t.task.statusReason?.text ?? t.task.statusReason?.coding?.[0]?.display ?? t.task.statusReason?.coding?.[0]?.code;
  await recordTransition(repo, { task: t.task, previous: t.previous, from: t.from, to: t.to, also: request ? [request] : [], agent: t.agent, reason, at: t.env.now });
}

/** The consult ServiceRequest a coordinating Task points at (a pending transaction entry counts). */
async function consultRequestOf(task: Task, env: RulesEnv): Promise<ServiceRequest | undefined> {
  if (!isCoordinatingTaskShape(task)) return undefined;
  const ref = localRef(task.focus?.reference, env.baseUrl);
  if (!idOf(ref, 'ServiceRequest')) return undefined;
  const request = (await env.resolve(ref as string)) as ServiceRequest | undefined;
  return request && isConsultRequest(request) ? request : undefined;
}

/** Refuses changes to the elements that say what a consult is and who has it, unless `open` or an administrator. */
function assertEditable<T extends Resource>(before: T, after: T, roles: Set<Role>, guarded: readonly string[], open: boolean): void {
  if (roles.size === 0) {
    throw fail('forbidden', 'forbidden', `${before.resourceType}/${before.id} belongs to a consult: only its requester, its owner or an administrator may change it`);
  }
  if (open || roles.has('administrator')) return;
  const changed = guarded.filter((k) => JSON.stringify((before as unknown as Record<string, unknown>)[k]) !== JSON.stringify((after as unknown as Record<string, unknown>)[k]));
  if (changed.length) {
    throw fail(
      'conflict',
      'business-rule',
      `${changed.join(', ')} of a submitted consult ${before.resourceType} change only by an administrator (or through $claim and routing)`,
      changed.map((k) => `${before.resourceType}.${k}`),
    );
  }
}

/** 409 for a change of status the table does not allow this caller, naming what is allowed. */
function illegal(type: string, from: TaskStatus, to: TaskStatus, roles: Set<Role>) {
  const all = transitionsFrom(from);
  const mine = all.filter((t) => t.roles.some((r) => roles.has(r))).map((t) => t.to);
  const table = all.map((t) => `${t.to} (${t.roles.join(' or ')})`).join(', ');
  const exists = transition(from, to) !== undefined;
  const why = exists ? `only the ${transition(from, to)?.roles.join(' or ')} may move a consult from ${from} to ${to}` : `a consult cannot go from ${from} to ${to}`;
  return fail(
    'conflict',
    'business-rule',
    `${why}. Allowed for you (${roleList(roles)}) from ${from}: ${mine.length ? mine.join(', ') : 'none'}. Allowed from ${from}: ${table || 'none (terminal)'}`,
    `${type}.status`,
  );
}

function statusOf(task: Task): TaskStatus {
  if (!isTaskStatus(task.status)) throw fail('invalid', 'value', `Task.status ${JSON.stringify(task.status)} is not a Task status`, 'Task.status');
  return task.status;
}

function agentOf(env: RulesEnv): Agent {
  return { reference: env.access.actor.reference, display: env.access.actor.display };
}

function roleList(roles: Set<Role>): string {
  return roles.size ? [...roles].join(', ') : 'no role on this consult';
}

function exhaustive(value: never): never {
  throw new Error(`unhandled transition check ${String(value)}`);
}
