/**
 * The roles the caller holds on one consult (consult/states.ts Role), from the access policy's token:
 * - the operator of an `open` server holds every role (it drives the workflow by hand);
 * - a system/ client without an organisation is an administrator (and assigner);
 * - a system/ client with an organisation is the requester when the consult's requester is that
 *   Organization or one of its PractitionerRoles;
 * - a practitioner (fhirUser Practitioner or PractitionerRole) is the requester or owner when the
 *   request's or Task's requester / the Task's owner is them, one of their PractitionerRoles (or
 *   that role's Practitioner), a CareTeam they take part in, or (owner) a HealthcareService pool one
 *   of their roles works in (consult/lifecycle.ts: accepting a pooled consult is claiming it);
 * - a patient (fhirUser or patient claim) is the requester of a consult they requested themselves.
 */
import type { CareTeam, PractitionerRole, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { AccessPolicy } from '../repository/access';
import type { Repository } from '../repository/repository';
import { findAll, idOf, localRef } from './find';
import type { Role } from './states';

/** The references that stand for the caller, or 'operator' / 'administrator' for callers beyond the consult rules. */
export type Caller = { kind: 'operator' } | { kind: 'administrator' } | { kind: 'identities'; refs: Set<string> };

/** Who the caller is, for role decisions; read once per write. */
export async function callerOf(access: AccessPolicy, repo: Repository, baseUrl: string): Promise<Caller> {
  const grant = access.grant;
  if (!grant) return { kind: 'operator' };
  const contexts = new Set(grant.scopes.map((s) => s.context));
  const refs = new Set<string>();
  if (contexts.has('patient')) {
    const patient = localRef(grant.patient, baseUrl) ?? (grant.patient && /^[A-Za-z0-9\-.]{1,64}$/.test(grant.patient) ? `Patient/${grant.patient}` : undefined);
    if (patient?.startsWith('Patient/')) refs.add(patient);
    return { kind: 'identities', refs };
  }
  if (contexts.has('user')) {
    const user = localRef(grant.fhirUser, baseUrl);
    if (user) refs.add(user);
    if (user?.startsWith('Practitioner/') || user?.startsWith('PractitionerRole/')) await addPractitionerIdentities(repo, user, refs, baseUrl);
    return { kind: 'identities', refs };
  }
  const organization = localRef(grant.organization, baseUrl);
  if (!organization) return { kind: 'administrator' };
  refs.add(organization);
  for (const role of await findAll<PractitionerRole>(repo, 'PractitionerRole', { organization })) refs.add(`PractitionerRole/${role.id}`);
  return { kind: 'identities', refs };
}

async function addPractitionerIdentities(repo: Repository, user: string, refs: Set<string>, baseUrl: string): Promise<void> {
  const roleId = idOf(user, 'PractitionerRole');
  const roles = roleId ? await findAll<PractitionerRole>(repo, 'PractitionerRole', { _id: roleId }) : await findAll<PractitionerRole>(repo, 'PractitionerRole', { practitioner: user });
  for (const role of roles) {
    refs.add(`PractitionerRole/${role.id}`);
    const practitioner = localRef(role.practitioner?.reference, baseUrl);
    if (practitioner) refs.add(practitioner);
    // The pools (HealthcareServices) the role works in: a consult owned by one is theirs to claim.
    for (const pool of role.healthcareService ?? []) {
      const ref = localRef(pool.reference, baseUrl);
      if (ref) refs.add(ref);
    }
  }
  const teams = await findAll<CareTeam>(repo, 'CareTeam', { participant: [...refs].join(',') });
  for (const team of teams) refs.add(`CareTeam/${team.id}`);
}

/** The roles `caller` holds on the consult of `request` and `task` (either may be the new content). */
export function rolesOn(caller: Caller, request: ServiceRequest | undefined, task: Task | undefined, baseUrl: string): Set<Role> {
  if (caller.kind === 'operator') return new Set(['requester', 'owner', 'administrator']);
  if (caller.kind === 'administrator') return new Set(['administrator']);
  const roles = new Set<Role>();
  const mine = (ref: Reference | undefined) => {
    const local = localRef(ref?.reference, baseUrl);
    return local !== undefined && caller.refs.has(local);
  };
  if (mine(request?.requester) || mine(task?.requester)) roles.add('requester');
  if (mine(task?.owner)) roles.add('owner');
  return roles;
}
