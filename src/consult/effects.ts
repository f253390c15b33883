/**
 * What a consult transition does once the Task's new version is stored, inside the same store
 * transaction: the ServiceRequest follows its Task (states.ts requestStatusFor), and a Provenance
 * records who made the change, when, from which version, and what else changed with it.
 */
import type { Provenance, Reference, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { Repository } from '../repository/repository';
import { requestStatusFor, type TaskStatus } from './states';

export const TASK_STATUS_SYSTEM = 'http://hl7.org/fhir/task-status';

/** Who a Provenance names as the agent: the caller, or Relay itself for automatic steps. */
export interface Agent {
  reference: string;
  display: string;
}

export const RELAY_AGENT: Agent = { reference: 'Device/relay', display: 'Relay (automatic step)' };

/** Brings the ServiceRequest in step with the Task's status; returns the SR as stored (a new version when it changed). */
export async function syncRequest(repo: Repository, request: ServiceRequest, status: TaskStatus): Promise<ServiceRequest | undefined> {
  const want = requestStatusFor(status);
  if (request.status === want) return undefined;
  const current = await repo.read<ServiceRequest>('ServiceRequest', request.id as string);
  if (current.status === want) return undefined;
  return (await repo.update<ServiceRequest>({ ...current, status: want })).resource;
}

/** Records one transition: the new versions of Task (and ServiceRequest), the version it revised, the agent. */
export async function recordTransition(
  repo: Repository,
  change: { task: Task; previous?: Task; from?: TaskStatus; to: TaskStatus; also?: Resource[]; agent: Agent; reason?: string; at: Date },
): Promise<Provenance> {
  const versioned = (r: Resource): Reference => ({ reference: `${r.resourceType}/${r.id}/_history/${r.meta?.versionId}` });
  const text = `${change.from ?? 'new'} → ${change.to}${change.reason ? `: ${change.reason}` : ''}`;
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [versioned(change.task), ...(change.also ?? []).map(versioned)],
    recorded: change.at.toISOString(),
    activity: { coding: [{ system: TASK_STATUS_SYSTEM, code: change.to }], text },
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: change.agent === RELAY_AGENT ? 'assembler' : 'author' }] },
        who: { reference: change.agent.reference, display: change.agent.display },
      },
    ],
  };
  if (change.previous) provenance.entity = [{ role: 'revision', what: versioned(change.previous) }];
  return repo.create(provenance);
}
