/**
 * What makes a resource part of a consult's lifecycle: the consult ServiceRequest (a consult
 * specialty in its category, validation/consult-profiles.ts) and its coordinating Task (code
 * `fulfill`, focus the ServiceRequest). Sub-Tasks (partOf the coordinating Task) are not governed by
 * the state machine; their completion resumes the consult (consult/automatic.ts).
 */
import type { Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { Repository } from '../repository/repository';
import { OperationOutcomeError } from '../fhir/outcome';
import { CONSULT_SPECIALTY_SYSTEM, isConsultRequest } from '../validation/consult-profiles';
import { findAll, idOf, localRef } from './find';

export const TASK_CODE_SYSTEM = 'http://hl7.org/fhir/CodeSystem/task-code';

/** A consult's request and its coordinating Task (absent before one is created). */
export interface Consult {
  request: ServiceRequest;
  task?: Task;
}

/** True for a Task coded `fulfill` with a focus: a candidate coordinating Task (its focus decides). */
export function isCoordinatingTaskShape(task: Task): boolean {
  return (task.code?.coding ?? []).some((c) => c.system === TASK_CODE_SYSTEM && c.code === 'fulfill') && !task.partOf?.length && !!task.focus?.reference;
}

/** The consult ServiceRequest a Task coordinates, when it is a consult's coordinating Task. */
export async function requestOfTask(repo: Repository, task: Task, baseUrl: string): Promise<ServiceRequest | undefined> {
  if (!isCoordinatingTaskShape(task)) return undefined;
  const id = idOf(localRef(task.focus?.reference, baseUrl), 'ServiceRequest');
  if (!id) return undefined;
  const request = await readCurrent<ServiceRequest>(repo, 'ServiceRequest', id);
  return request && isConsultRequest(request) ? request : undefined;
}

/** The coordinating Task of a consult ServiceRequest (the oldest, should there be several). */
export async function taskOfRequest(repo: Repository, requestId: string, exceptId?: string): Promise<Task | undefined> {
  const tasks = (await findAll<Task>(repo, 'Task', { focus: `ServiceRequest/${requestId}`, code: `${TASK_CODE_SYSTEM}|fulfill` })).filter((t) => isCoordinatingTaskShape(t) && t.id !== exceptId);
  tasks.sort((a, b) => (a.meta?.lastUpdated ?? '').localeCompare(b.meta?.lastUpdated ?? '') || (a.id ?? '').localeCompare(b.id ?? ''));
  return tasks[0];
}

/** The current version, or undefined when it is absent or deleted. */
export async function readCurrent<T extends Resource>(repo: Repository, type: string, id: string): Promise<T | undefined> {
  try {
    return await repo.read<T>(type, id);
  } catch (err) {
    if (err instanceof OperationOutcomeError && (err.kind === 'not-found' || err.kind === 'gone')) return undefined;
    throw err;
  }
}

/** The consult specialty code of a consult request. */
export function specialtyOf(request: ServiceRequest): string | undefined {
  for (const c of request.category ?? []) for (const coding of c.coding ?? []) if (coding.system === CONSULT_SPECIALTY_SYSTEM && coding.code) return coding.code;
  return undefined;
}
