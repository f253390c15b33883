/**
 * Task.businessStatus of a consult: the finer stages Relay sets within a status (CodeSystem
 * consult-business-status in profiles/). Several may hold at once (awaiting information and overdue),
 * so each is a coding of its own, added and removed without touching the others.
 */
import type { Task } from '@medplum/fhirtypes';

export const BUSINESS_STATUS_SYSTEM = 'https://relay.example/fhir/CodeSystem/consult-business-status';
export type Stage = 'awaiting-information' | 'overdue';
const DISPLAY: Record<Stage, string> = { 'awaiting-information': 'Awaiting information', overdue: 'Overdue' };

export function hasStage(task: Task, stage: Stage): boolean {
  return (task.businessStatus?.coding ?? []).some((c) => c.system === BUSINESS_STATUS_SYSTEM && c.code === stage);
}

/** The Task with `stage` added to its businessStatus. */
export function withStage(task: Task, stage: Stage): Task {
  if (hasStage(task, stage)) return task;
  const coding = [...(task.businessStatus?.coding ?? []), { system: BUSINESS_STATUS_SYSTEM, code: stage, display: DISPLAY[stage] }];
  return { ...task, businessStatus: { coding, text: coding.map((c) => c.display ?? c.code).join(', ') } };
}

/** The Task without `stage` (and without businessStatus when nothing else remains). */
export function withoutStage(task: Task, stage: Stage): Task {
  const { businessStatus, ...rest } = task;
  const coding = (businessStatus?.coding ?? []).filter((c) => !(c.system === BUSINESS_STATUS_SYSTEM && c.code === stage));
  return coding.length ? { ...rest, businessStatus: { coding, text: coding.map((c) => c.display ?? c.code).join(', ') } } : rest;
}
