/**
 * Escalation of consults whose due time has passed (README "Consult workflow"): run every
 * RELAY_ESCALATION_INTERVAL and on demand (Task/$escalate). An overdue consult not yet accepted
 * (requested or received) is reassigned to another eligible specialist when routing finds one
 * (status received, the new owner); every overdue open consult gets businessStatus `overdue`, once.
 * Each escalation is its own store transaction and records a Provenance with Relay as agent.
 */
import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import type { AccessPolicy } from '../repository/access';
import type { Repository } from '../repository/repository';
import type { RulesEnv } from '../repository/write-rules';
import { hasStage, withStage } from './business-status';
import { readCurrent, TASK_CODE_SYSTEM } from './consult';
import { recordTransition, RELAY_AGENT, syncRequest } from './effects';
import { findAll, idOf, localRef } from './find';
import { chooseOwner, rejectedBy } from './routing';
import type { ConsultRules } from './rules';
import type { TaskStatus } from './states';

const ESCALATED: readonly TaskStatus[] = ['requested', 'received', 'accepted', 'in-progress', 'on-hold'];

/** Escalates every overdue consult at `now`; answers the Tasks it changed, as stored afterwards. */
export async function escalateOverdue(repo: Repository, options: { rules: ConsultRules; baseUrl: string; now: Date; access: AccessPolicy }): Promise<Task[]> {
  const overdue = await findAll<Task>(repo, 'Task', { code: `${TASK_CODE_SYSTEM}|fulfill`, status: ESCALATED.join(','), due: `lt${options.now.toISOString()}` });
  const changed: Task[] = [];
  for (const candidate of overdue) {
    if (hasStage(candidate, 'overdue')) continue;
    const done = await repo.runAsServer((tx) => escalateOne(tx, candidate.id as string, options));
    if (done) changed.push(done);
  }
  return changed;
}

async function escalateOne(repo: Repository, id: string, options: { rules: ConsultRules; baseUrl: string; now: Date; access: AccessPolicy }): Promise<Task | undefined> {
  const task = await readCurrent<Task>(repo, 'Task', id);
  const due = task?.restriction?.period?.end;
  if (!task || hasStage(task, 'overdue') || !ESCALATED.includes(task.status as TaskStatus) || !due || Date.parse(due) >= options.now.getTime()) return undefined;
  const requestId = idOf(localRef(task.focus?.reference, options.baseUrl), 'ServiceRequest');
  const request = requestId ? await readCurrent<ServiceRequest>(repo, 'ServiceRequest', requestId) : undefined;
  if (!request) return undefined;
  const env: RulesEnv = {
    access: options.access,
    server: repo,
    resolve: async (reference) => {
      const ref = localRef(reference, options.baseUrl);
      return ref ? readCurrent(repo, ref.split('/')[0], ref.split('/')[1]) : undefined;
    },
    baseUrl: options.baseUrl,
    now: options.now,
  };
  const marked = withStage(task, 'overdue');
  let owner: string | undefined;
  if (task.status === 'requested' || task.status === 'received') {
    const current = localRef(task.owner?.reference, options.baseUrl);
    const exclude = [...(await rejectedBy(repo, id, options.baseUrl)), ...(current ? [current] : [])];
    owner = await chooseOwner({ ...task, owner: undefined }, request, repo, env, options.rules, exclude);
  }
  const next: Task = owner ? { ...marked, status: 'received', owner: { reference: owner } } : marked;
  const stored = (await repo.update<Task>(next)).resource;
  const synced = await syncRequest(repo, request, stored.status as TaskStatus);
  const reason = `overdue: due ${due}${owner ? `; reassigned to ${owner}` : ''}`;
  await recordTransition(repo, { task: stored, previous: task, from: task.status as TaskStatus, to: stored.status as TaskStatus, also: synced ? [synced] : [], agent: RELAY_AGENT, reason, at: options.now });
  return stored;
}
