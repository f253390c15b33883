/**
 * The consult's state machine (../shared/workflow.md, R4 Task state machine in workflow.html): the
 * coordinating Task's status carries the state; the ServiceRequest is kept in step. One table says
 * which change of status each role may make and which check it needs; everything not in the table is
 * refused with 409 (consult/lifecycle.ts).
 */

export type TaskStatus =
  | 'draft'
  | 'requested'
  | 'received'
  | 'accepted'
  | 'rejected'
  | 'ready'
  | 'cancelled'
  | 'in-progress'
  | 'on-hold'
  | 'failed'
  | 'completed'
  | 'entered-in-error';

export const TASK_STATUSES: readonly TaskStatus[] = ['draft', 'requested', 'received', 'accepted', 'rejected', 'ready', 'cancelled', 'in-progress', 'on-hold', 'failed', 'completed', 'entered-in-error'];

/**
 * Who acts on a consult: its requester (the referring clinician, their organisation, or the patient
 * of a patient-initiated consult), its owner (the specialist the Task is assigned to), and an
 * administrator (the operator of an `open` server, or a system client without an organisation; it
 * also assigns consults). Relay's own router acts as the server and passes no role check.
 */
export type Role = 'requester' | 'owner' | 'administrator';
export const ROLES: readonly Role[] = ['requester', 'owner', 'administrator'];

/** What a transition needs besides the role (checked by consult/checks.ts). */
export type TransitionCheck = 'submission' | 'owner' | 'reason' | 'question' | 'report';

export interface Transition {
  from: TaskStatus;
  to: TaskStatus;
  roles: readonly Role[];
  check?: TransitionCheck;
}

/** The open states: a consult there can still be cancelled by its requester. */
export const OPEN_STATUSES: readonly TaskStatus[] = ['draft', 'requested', 'received', 'accepted', 'in-progress', 'on-hold'];

/** States no transition leaves except those listed (entered-in-error, a redirect after a rejection). */
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['rejected', 'cancelled', 'failed', 'completed', 'entered-in-error'];

export const TRANSITIONS: readonly Transition[] = [
  { from: 'draft', to: 'requested', roles: ['requester'], check: 'submission' },
  { from: 'requested', to: 'received', roles: ['administrator'], check: 'owner' },
  { from: 'requested', to: 'rejected', roles: ['owner', 'administrator'], check: 'reason' },
  { from: 'received', to: 'rejected', roles: ['owner', 'administrator'], check: 'reason' },
  { from: 'received', to: 'accepted', roles: ['owner'] },
  { from: 'accepted', to: 'in-progress', roles: ['owner'] },
  { from: 'in-progress', to: 'on-hold', roles: ['owner'], check: 'question' },
  // Normally automatic (the answer arrives: consult/automatic.ts); the owner may also resume by hand.
  { from: 'on-hold', to: 'in-progress', roles: ['owner'] },
  { from: 'in-progress', to: 'completed', roles: ['owner'], check: 'report' },
  { from: 'in-progress', to: 'failed', roles: ['owner'], check: 'reason' },
  // After a rejection the requester redirects (submits again, to another performer) or cancels.
  { from: 'rejected', to: 'requested', roles: ['requester'], check: 'submission' },
  ...[...OPEN_STATUSES, 'rejected' as const].map((from): Transition => ({ from, to: 'cancelled', roles: ['requester'] })),
  ...TASK_STATUSES.filter((s) => s !== 'entered-in-error').map((from): Transition => ({ from, to: 'entered-in-error', roles: ['administrator'] })),
];

/** The transitions out of `from`, for messages ("allowed from in-progress: ..."). */
export function transitionsFrom(from: TaskStatus): Transition[] {
  return TRANSITIONS.filter((t) => t.from === from);
}

/** The one transition from → to, if the table has it. */
export function transition(from: TaskStatus, to: TaskStatus): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.to === to);
}

export type RequestStatus = 'draft' | 'active' | 'on-hold' | 'revoked' | 'completed' | 'entered-in-error' | 'unknown';

/** The ServiceRequest status that goes with each Task status (the SR is kept in step with its Task). */
export function requestStatusFor(task: TaskStatus): RequestStatus {
  switch (task) {
    case 'draft':
      return 'draft';
    case 'cancelled':
      return 'revoked';
    case 'completed':
      return 'completed';
    case 'entered-in-error':
      return 'entered-in-error';
    default:
      return 'active';
  }
}

export function isTaskStatus(value: unknown): value is TaskStatus {
  return typeof value === 'string' && (TASK_STATUSES as readonly string[]).includes(value);
}
