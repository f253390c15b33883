/**
 * The single access point: every storage read and write of the repository asks the caller's policy
 * first. Today the only caller is the local operator; SMART scopes and compartments plug in here.
 */
import type { Resource } from '@medplum/fhirtypes';

export interface Actor {
  /** Who is asking, e.g. "operator" or a fhirUser reference. */
  reference: string;
  display: string;
}

export interface AccessPolicy {
  readonly actor: Actor;
  /** May the caller see this resource type at all (history and search scopes)? */
  canReadType(type: string): boolean;
  /** May the caller see this version of a resource? */
  canRead(resource: Resource): boolean;
  /** May the caller create, update or delete this resource (the new content, or the current one on delete)? */
  canWrite(resource: Resource): boolean;
}

/** The local operator of an `open` server: may do everything. */
export const operatorAccess: AccessPolicy = {
  actor: { reference: 'Device/relay-operator', display: 'local operator' },
  canReadType: () => true,
  canRead: () => true,
  canWrite: () => true,
};
