/**
 * The turnaround facts of one consult, read from the stored versions of its coordinating Task
 * (README "Consult workflow", "$stats"): when it was submitted, first acted on by the specialist and
 * completed, its due time, who had it and how urgent it was.
 */
import type { Reference, Task } from '@medplum/fhirtypes';
import { dateRange } from '../../fhir/dates';
import { TASK_CODE_SYSTEM } from '../consult';
import { localRef } from '../find';

/** One stored version of a Task (null: the version records a deletion). */
export interface TaskVersion {
  id: string;
  versionId: number;
  lastUpdatedMs: number;
  resource: Task | null;
}

/** The statuses a specialist sets: the first of them after submission is the first action (`received` is set by routing). */
export const SPECIALIST_STATUSES: readonly string[] = ['accepted', 'rejected', 'in-progress', 'on-hold', 'completed', 'failed'];

/** Statuses in which a consult is no longer waiting for anyone. */
export const CLOSED_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled', 'rejected', 'entered-in-error'];

export interface ConsultFacts {
  taskId: string;
  /** `ServiceRequest/id` (or the reference as written, when it is not local). */
  request: string;
  submittedMs: number;
  firstActionMs?: number;
  completedMs?: number;
  /** The instant the due time has passed: the end of restriction.period.end at its precision. */
  dueEndMs?: number;
  /** The status of the latest version. */
  status: string;
  /** `Type/id` of the owner at completion (else the current owner); undefined: unassigned. */
  specialist?: string;
  /** Task.priority of the latest version, if any (the ServiceRequest's is the fallback). */
  priority?: string;
}

/**
 * The facts of the consult whose Task these versions are (any order, one Task), or undefined when
 * it is no consult to count: its latest version is a deletion or entered-in-error, it is not a
 * coordinating Task (code task-code#fulfill, no partOf, focus or basedOn a ServiceRequest), or it
 * was never requested.
 */
export function consultFacts(versions: readonly TaskVersion[], baseUrl: string): ConsultFacts | undefined {
  const ordered = [...versions].sort((a, b) => a.versionId - b.versionId);
  const latest = ordered.at(-1);
  const task = latest?.resource;
  if (!latest || !task || task.status === 'entered-in-error') return undefined;
  const request = coordinatedRequest(task, baseUrl);
  if (!request) return undefined;
  const live = ordered.filter((v): v is TaskVersion & { resource: Task } => v.resource !== null);
  const submitted = live.findIndex((v) => v.resource.status === 'requested');
  if (submitted < 0) return undefined;
  const after = live.slice(submitted + 1);
  const firstAction = after.find((v) => SPECIALIST_STATUSES.includes(v.resource.status));
  const completion = after.find((v) => v.resource.status === 'completed');
  // Who had it and by when: as it was at completion; for a consult not completed, as it is now.
  const decisive = completion?.resource ?? task;
  const facts: ConsultFacts = { taskId: latest.id, request, submittedMs: live[submitted].lastUpdatedMs, status: task.status };
  if (firstAction) facts.firstActionMs = firstAction.lastUpdatedMs;
  if (completion) facts.completedMs = completion.lastUpdatedMs;
  const due = decisive.restriction?.period?.end;
  const dueRange = due === undefined ? undefined : dateRange(due);
  if (dueRange) facts.dueEndMs = dueRange.endMs;
  const specialist = ownerOf(decisive, baseUrl) ?? (completion ? ownerOf(task, baseUrl) : undefined);
  if (specialist) facts.specialist = specialist;
  if (task.priority) facts.priority = task.priority;
  return facts;
}

/** Submission times that count: start ≤ submitted < end (either bound may be absent), in epoch ms. */
export interface SubmissionRange {
  startMs?: number;
  endMs?: number;
}

/** True when the consult was submitted within `range`. */
export function submittedWithin(facts: ConsultFacts, range: SubmissionRange): boolean {
  return (range.startMs === undefined || facts.submittedMs >= range.startMs) && (range.endMs === undefined || facts.submittedMs < range.endMs);
}

/** The consults submitted within `range`, from the versions of many Tasks grouped by Task. */
export function consultsIn(tasks: Iterable<readonly TaskVersion[]>, baseUrl: string, range: SubmissionRange): ConsultFacts[] {
  const consults: ConsultFacts[] = [];
  for (const versions of tasks) {
    const facts = consultFacts(versions, baseUrl);
    if (facts && submittedWithin(facts, range)) consults.push(facts);
  }
  return consults;
}

/** The elements of a Task version that the facts are read from (to hold many versions in little memory). */
export function essentials(task: Task): Task {
  const { resourceType, id, status, code, partOf, focus, basedOn, owner, priority, restriction } = task;
  return { resourceType, id, status, code, partOf, focus, basedOn, owner, priority, restriction, intent: task.intent };
}

/** How a consult stands against its due time at `nowMs`: completed after it, or still open after it. */
export function lateness(facts: ConsultFacts, nowMs: number): { completedLate: boolean; overdueOpen: boolean } {
  const due = facts.dueEndMs;
  if (due === undefined) return { completedLate: false, overdueOpen: false };
  return {
    completedLate: facts.completedMs !== undefined && facts.completedMs >= due,
    overdueOpen: !CLOSED_STATUSES.includes(facts.status) && nowMs >= due,
  };
}

/** The ServiceRequest a coordinating Task works on (focus, else basedOn), or undefined for any other Task. */
function coordinatedRequest(task: Task, baseUrl: string): string | undefined {
  const coded = (task.code?.coding ?? []).some((c) => c.system === TASK_CODE_SYSTEM && c.code === 'fulfill');
  if (!coded || task.partOf?.length) return undefined;
  for (const ref of [task.focus, ...(task.basedOn ?? [])]) {
    const target = requestRef(ref, baseUrl);
    if (target) return target;
  }
  return undefined;
}

function requestRef(ref: Reference | undefined, baseUrl: string): string | undefined {
  const written = ref?.reference;
  if (!written) return undefined;
  const local = localRef(written, baseUrl);
  if (local) return local.startsWith('ServiceRequest/') ? local : undefined;
  return /\/ServiceRequest\/[^/]+(\/_history\/[^/]+)?$/.test(written) ? written : undefined;
}

function ownerOf(task: Task, baseUrl: string): string | undefined {
  const written = task.owner?.reference;
  return written === undefined ? undefined : (localRef(written, baseUrl) ?? written);
}
