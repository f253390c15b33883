/**
 * The consult's automatic steps (../shared/workflow.md), run inside the write that triggers them:
 * - an answer (a Communication inResponseTo a request for information about the consult) or a
 *   sub-Task that ends returns an on-hold consult to in-progress once no question is left open;
 * - a final DiagnosticReport based on the consult's ServiceRequest, posted by the consult's owner
 *   while it is in progress, completes the Task (the report becomes its output) and the request;
 *   an amended report after completion is added to the output and recorded.
 * Each step records a Provenance like any transition.
 */
import type { Communication, DiagnosticReport, Reference, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { Repository } from '../repository/repository';
import type { RulesEnv, WritePlan } from '../repository/write-rules';
import { isConsultRequest } from '../validation/consult-profiles';
import { isFinalReportOf, openQuestions } from './checks';
import { isCoordinatingTaskShape, readCurrent, taskOfRequest } from './consult';
import { recordTransition, RELAY_AGENT, syncRequest, type Agent } from './effects';
import { idOf, localRef } from './find';
import { callerOf, rolesOn } from './roles';
import { TERMINAL_STATUSES, type TaskStatus } from './states';
import { withoutStage } from './business-status';

/** An answer to a question about a consult may resume it. */
export async function planAnswer(message: Communication, env: RulesEnv): Promise<WritePlan | undefined> {
  if (!message.inResponseTo?.length) return undefined;
  return {
    afterStore: async (_stored, repo) => {
      const refs: (Reference | undefined)[] = [...(message.about ?? [])];
      for (const r of message.inResponseTo ?? []) {
        const question = await resolveIn(repo, r.reference, env.baseUrl);
        if (question?.resourceType === 'Communication') refs.push(...(question.about ?? []));
      }
      const consult = await consultOf(repo, refs, env.baseUrl);
      if (consult) await resumeIfAnswered(repo, consult, `answer received (Communication/${message.id})`, env);
    },
  };
}

/** A sub-Task that ends may resume its consult. */
export async function planSubTask(task: Task, env: RulesEnv): Promise<WritePlan | undefined> {
  const parent = localRef(task.partOf?.[0]?.reference, env.baseUrl);
  if (!parent?.startsWith('Task/') || !TERMINAL_STATUSES.includes(task.status as TaskStatus)) return undefined;
  return {
    afterStore: async (_stored, repo) => {
      const consult = await consultOf(repo, [{ reference: parent }], env.baseUrl);
      if (consult) await resumeIfAnswered(repo, consult, `sub-Task/${task.id} ${task.status}`, env);
    },
  };
}

/** A final report by the consult's owner completes it; an amended one after completion is recorded. */
export async function planReport(report: DiagnosticReport, env: RulesEnv): Promise<WritePlan | undefined> {
  if (report.status !== 'final' && report.status !== 'amended') return undefined;
  const requestRef = (report.basedOn ?? []).map((b) => localRef(b.reference, env.baseUrl)).find((r) => idOf(r, 'ServiceRequest'));
  const request = requestRef ? ((await env.resolve(requestRef)) as ServiceRequest | undefined) : undefined;
  if (!request || !isConsultRequest(request) || !isFinalReportOf(report, request, env.baseUrl)) return undefined;
  const caller = await callerOf(env.access, env.server, env.baseUrl);
  const agent: Agent = { reference: env.access.actor.reference, display: env.access.actor.display };
  return {
    afterStore: async (stored, repo) => {
      const task = await taskOfRequest(repo, request.id as string);
      if (!task || !rolesOn(caller, request, task, env.baseUrl).has('owner')) return;
      const ref = `DiagnosticReport/${stored?.id}`;
      const output = (task.output ?? []).some((o) => localRef(o.valueReference?.reference, env.baseUrl) === ref) ? task.output : [...(task.output ?? []), { type: { text: 'Consult report' }, valueReference: { reference: ref } }];
      if (task.status === 'in-progress') {
        const done = (await repo.update<Task>({ ...task, status: 'completed', output })).resource;
        const synced = await syncRequest(repo, request, 'completed');
        await recordTransition(repo, { task: done, previous: task, from: 'in-progress', to: 'completed', also: [stored as Resource, ...(synced ? [synced] : [])], agent, reason: `report ${ref}`, at: env.now });
      } else if (task.status === 'completed') {
        const amended = (await repo.update<Task>({ ...task, output })).resource;
        await recordTransition(repo, { task: amended, previous: task, from: 'completed', to: 'completed', also: [stored as Resource], agent, reason: `${report.status} report ${ref}`, at: env.now });
      }
    },
  };
}

interface ConsultPair {
  request: ServiceRequest;
  task: Task;
}

async function resumeIfAnswered(repo: Repository, consult: ConsultPair, reason: string, env: RulesEnv): Promise<void> {
  const { task, request } = consult;
  if (task.status !== 'on-hold' || (await openQuestions(task, request, repo, env.baseUrl)).length) return;
  const resumed = (await repo.update<Task>({ ...withoutStage(task, 'awaiting-information'), status: 'in-progress' })).resource;
  await recordTransition(repo, { task: resumed, previous: task, from: 'on-hold', to: 'in-progress', agent: RELAY_AGENT, reason, at: env.now });
}

/** The consult (request and coordinating Task) that references lead to: a consult request, its Task, or a sub-Task of it. */
async function consultOf(repo: Repository, refs: (Reference | undefined)[], baseUrl: string): Promise<ConsultPair | undefined> {
  for (const r of refs) {
    let target = await resolveIn(repo, r?.reference, baseUrl);
    if (target?.resourceType === 'Task' && !isCoordinatingTaskShape(target)) target = await resolveIn(repo, target.partOf?.[0]?.reference, baseUrl);
    if (target?.resourceType === 'Task' && isCoordinatingTaskShape(target)) {
      const request = await resolveIn(repo, target.focus?.reference, baseUrl);
      if (request?.resourceType === 'ServiceRequest' && isConsultRequest(request)) return { request, task: target };
    }
    if (target?.resourceType === 'ServiceRequest' && isConsultRequest(target)) {
      const task = await taskOfRequest(repo, target.id as string);
      if (task) return { request: target, task };
    }
  }
  return undefined;
}

async function resolveIn(repo: Repository, reference: string | undefined, baseUrl: string): Promise<Resource | undefined> {
  const ref = localRef(reference, baseUrl);
  if (!ref) return undefined;
  const [type, id] = ref.split('/');
  return readCurrent(repo, type, id);
}
