/**
 * The checks a transition needs besides the caller's role (consult/states.ts TransitionCheck), except
 * the submission check (consult/submission.ts). Each refuses with 409 and an expression at the element
 * that is missing; each may amend the Task (e.g. businessStatus while awaiting information).
 */
import type { Communication, DiagnosticReport, ServiceRequest, Task } from '@medplum/fhirtypes';
import { fail } from '../fhir/outcome';
import type { Repository } from '../repository/repository';
import type { RulesEnv } from '../repository/write-rules';
import { findAll, localRef } from './find';
import { TERMINAL_STATUSES, type TaskStatus } from './states';
import { withStage } from './business-status';

export const CATEGORY_SYSTEM = 'https://relay.example/fhir/CodeSystem/consult-communication-category';

/** statusReason is required when a consult is rejected or failed. */
export function requireReason(task: Task, to: TaskStatus): void {
  if (task.statusReason?.text || task.statusReason?.coding?.length) return;
  throw fail('conflict', 'required', `a consult Task can only become ${to} with a statusReason saying why`, 'Task.statusReason');
}

/** An assignment names the owner. */
export function requireOwner(task: Task): void {
  if (task.owner?.reference) return;
  throw fail('conflict', 'required', 'a consult Task can only become received with an owner (the specialist or pool it is assigned to)', 'Task.owner');
}

/**
 * The consult goes on hold only together with a question for the requester or patient: an unanswered
 * request-for-information Communication about the consult, or an open sub-Task. Sets businessStatus
 * awaiting-information.
 */
export async function requireQuestion(task: Task, request: ServiceRequest, env: RulesEnv): Promise<Task> {
  if (!(await openQuestions(task, request, env.server, env.baseUrl)).length) {
    throw fail(
      'conflict',
      'business-rule',
      'a consult goes on-hold only with a question pending: first send a Communication (category request-for-information, about the ServiceRequest or Task) or create a sub-Task (partOf this Task) for the requester or patient',
      'Task.status',
    );
  }
  return withStage(task, 'awaiting-information');
}

/** The unanswered questions of a consult: request-for-information Communications without a reply, and open sub-Tasks. */
export async function openQuestions(task: Task, request: ServiceRequest, repo: Repository, baseUrl: string): Promise<(Communication | Task)[]> {
  const about = [`ServiceRequest/${request.id}`, `Task/${task.id}`].join(',');
  const messages = await findAll<Communication>(repo, 'Communication', { about });
  const questions = messages.filter((m) => m.status !== 'entered-in-error' && isQuestion(m));
  const answered = new Set(messages.flatMap((m) => (m.inResponseTo ?? []).map((r) => localRef(r.reference, baseUrl))));
  const subTasks = await findAll<Task>(repo, 'Task', { 'part-of': `Task/${task.id}` });
  return [...questions.filter((q) => !answered.has(`Communication/${q.id}`)), ...subTasks.filter((t) => !TERMINAL_STATUSES.includes(t.status as TaskStatus))];
}

/** A request-for-information message. */
export function isQuestion(message: Communication): boolean {
  return (message.category ?? []).some((c) => c.coding?.some((x) => x.system === CATEGORY_SYSTEM && x.code === 'request-for-information'));
}

/** Completion needs Task.output to hold a final (or amended) DiagnosticReport based on the ServiceRequest. */
export async function requireReport(task: Task, request: ServiceRequest, env: RulesEnv): Promise<void> {
  for (const output of task.output ?? []) {
    const ref = output.valueReference?.reference;
    const report = ref ? ((await env.resolve(ref)) as DiagnosticReport | undefined) : undefined;
    if (report?.resourceType === 'DiagnosticReport' && isFinalReportOf(report, request, env.baseUrl)) return;
  }
  throw fail(
    'conflict',
    'business-rule',
    `a consult Task can only be completed with a final DiagnosticReport based on ServiceRequest/${request.id} in Task.output (or post that report: it completes the consult by itself)`,
    'Task.output',
  );
}

/** A final or amended report based on the consult's request. */
export function isFinalReportOf(report: DiagnosticReport, request: ServiceRequest, baseUrl: string): boolean {
  return (report.status === 'final' || report.status === 'amended') && (report.basedOn ?? []).some((b) => localRef(b.reference, baseUrl) === `ServiceRequest/${request.id}`);
}
