/**
 * Routing a submitted consult (README "Consult workflow"): the owner is chosen among active
 * PractitionerRoles with the consult's specialty (or a broader one it belongs to), whose Practitioner
 * is licensed in the patient's jurisdiction (a qualification with the licence-jurisdiction extension
 * naming Patient.address.state, within its period; a patient without a state is not filtered), who
 * are available (no notAvailable period covers now; availableTime, when given, includes today) and
 * have not rejected this consult (and, for a patient-initiated consult under a jurisdiction's
 * relationship rule, belong to an organisation the patient has one with: consult/jurisdiction.ts);
 * the one with the fewest open consults wins (ties: by id). A
 * specialty routed to a pool (rules file `route: "pool"`), or one without a candidate, goes to an
 * active HealthcareService of the specialty, where a specialist claims it (Task/$claim). Without
 * either the consult stays requested and unassigned, for an administrator to assign.
 */
import type { HealthcareService, Patient, Practitioner, PractitionerRole, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { Repository } from '../repository/repository';
import type { RulesEnv } from '../repository/write-rules';
import { CONSULT_SPECIALTY_SYSTEM } from '../validation/consult-profiles';
import { implementationGuide } from '../conformance/package';
import { recordTransition, RELAY_AGENT, syncRequest } from './effects';
import { countAll, findAll, idOf, localRef } from './find';
import { specialtyOf } from './consult';
import type { ConsultRules } from './rules';
import { issue, type Issue } from '../fhir/outcome';
import { relationshipRequirement } from './jurisdiction';
import type { TaskStatus } from './states';

export const LICENCE_JURISDICTION = 'https://relay.example/fhir/StructureDefinition/licence-jurisdiction';
const OPEN_OWNED = 'received,accepted,in-progress,on-hold';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Assigns a consult just submitted (or whose owner rejected it, or that is overdue): sets its owner and status received. */
export async function route(task: Task, request: ServiceRequest, repo: Repository, env: RulesEnv, rules: ConsultRules, exclude: readonly string[] = [], stored: Task = task): Promise<Task | undefined> {
  const owner = await chooseOwner(task, request, repo, env, rules, exclude);
  if (!owner) return undefined;
  const assigned = (await repo.update<Task>({ ...stored, status: 'received', owner: { reference: owner } })).resource;
  const synced = await syncRequest(repo, request, 'received');
  const from = stored.status as TaskStatus;
  await recordTransition(repo, { task: assigned, previous: stored, from, to: 'received', also: synced ? [synced] : [], agent: RELAY_AGENT, reason: `${from === 'rejected' ? 'reassigned' : 'routed'} to ${owner}`, at: env.now });
  return assigned;
}

/** The owners that rejected this consult so far (the owner of each version that made it rejected): routing passes them over. */
export async function rejectedBy(repo: Repository, taskId: string, baseUrl: string): Promise<string[]> {
  const page = await repo.history({ type: 'Task', id: taskId, count: 1000 });
  const versions = page.entries.filter((e) => e.resource).sort((a, b) => a.versionId - b.versionId).map((e) => e.resource as Task);
  const owners = versions.filter((v, i) => v.status === 'rejected' && versions[i - 1]?.status !== 'rejected').map((v) => localRef(v.owner?.reference, baseUrl));
  return [...new Set(owners.filter((o): o is string => o !== undefined))];
}

/** The reference of the chosen owner (a PractitionerRole, or a HealthcareService pool), if any. */
export async function chooseOwner(task: Task, request: ServiceRequest, repo: Repository, env: RulesEnv, rules: ConsultRules, exclude: readonly string[]): Promise<string | undefined> {
  const specialty = specialtyOf(request);
  if (!specialty) return undefined;
  // Never back to whoever asked.
  exclude = [...exclude, ...[request.requester, task.requester].map((r) => localRef(r?.reference, env.baseUrl)).filter((r): r is string => r !== undefined)];
  const directed = localRef(task.owner?.reference, env.baseUrl);
  if (directed && !exclude.includes(directed)) return directed;
  if (rules.specialties[specialty]?.route !== 'pool') {
    const role = await leastLoaded(await eligibleRoles(repo, request, env, rules, exclude), repo);
    if (role) return role;
  }
  const pool = (await eligiblePools(repo, request, env, rules, exclude))[0];
  return pool ? `HealthcareService/${pool.id}` : undefined;
}

/**
 * Why the owner a submission names (a directed consult: the requester chose the clinician) cannot
 * take it: a PractitionerRole must be active, available and licensed in the patient's jurisdiction,
 * within any relationship rule (its specialty is the requester's choice); a pool must be one routing
 * could choose. Empty when it can, or when the Task names no owner.
 */
export async function directedOwnerIssues(task: Task, request: ServiceRequest, env: RulesEnv, rules: ConsultRules): Promise<Issue[]> {
  const owner = localRef(task.owner?.reference, env.baseUrl);
  if (!owner) return [];
  let eligible = false;
  if (owner.startsWith('PractitionerRole/')) {
    const role = (await env.resolve(owner)) as PractitionerRole | undefined;
    const allowed = await relationshipFilter(request, env, rules);
    eligible = !!role && role.active !== false && available(role, env.now) && (await licensedFor(role, await jurisdictionOf(request, env), env)) && allowed(localRef(role.organization?.reference, env.baseUrl));
  } else if (owner.startsWith('HealthcareService/')) {
    eligible = (await eligiblePools(env.server, request, env, rules, [])).some((p) => `HealthcareService/${p.id}` === owner);
  }
  if (eligible) return [];
  return [
    issue(
      'error',
      'business-rule',
      `the consult names ${owner} as its owner, who cannot take it: an owner must be an active, available PractitionerRole licensed in the patient's jurisdiction (or a pool of the consult's specialty), within any relationship rule; leave the owner out to have Relay route it`,
      'Task.owner',
    ),
  ];
}

/** True when the role's Practitioner holds a licence valid now for `state` (any role, when the patient's state is unknown). */
async function licensedFor(role: PractitionerRole, state: string | undefined, env: RulesEnv): Promise<boolean> {
  if (!state) return true;
  const practitionerId = idOf(localRef(role.practitioner?.reference, env.baseUrl), 'Practitioner');
  const practitioner = practitionerId ? ((await env.resolve(`Practitioner/${practitionerId}`)) as Practitioner | undefined) : undefined;
  return !!practitioner && licensedIn(practitioner, state, env.now);
}

/** Candidate PractitionerRoles, within the jurisdiction's relationship rule for a patient-initiated consult. */
async function eligibleRoles(repo: Repository, request: ServiceRequest, env: RulesEnv, rules: ConsultRules, exclude: readonly string[]): Promise<PractitionerRole[]> {
  const specialty = specialtyOf(request);
  if (!specialty) return [];
  const allowed = await relationshipFilter(request, env, rules);
  return (await candidates(repo, request, [specialty, ...ancestors(specialty)], env, exclude)).filter((r) => allowed(localRef(r.organization?.reference, env.baseUrl)));
}

/** Active pools (HealthcareService) of the specialty, by id, within the relationship rule. */
async function eligiblePools(repo: Repository, request: ServiceRequest, env: RulesEnv, rules: ConsultRules, exclude: readonly string[]): Promise<HealthcareService[]> {
  const specialty = specialtyOf(request);
  if (!specialty) return [];
  const allowed = await relationshipFilter(request, env, rules);
  const codes = [specialty, ...ancestors(specialty)];
  const pools = await findAll<HealthcareService>(repo, 'HealthcareService', { active: 'true', specialty: codes.map((c) => `${CONSULT_SPECIALTY_SYSTEM}|${c}`).join(',') });
  return pools.filter((p) => !exclude.includes(`HealthcareService/${p.id}`) && allowed(localRef(p.providedBy?.reference, env.baseUrl))).sort((a, b) => (a.id as string).localeCompare(b.id as string));
}

/** A patient-initiated consult under a relationship rule goes only to the organisations the patient knows. */
async function relationshipFilter(request: ServiceRequest, env: RulesEnv, rules: ConsultRules): Promise<(organisation: string | undefined) => boolean> {
  const relationship = await relationshipRequirement(request, env, rules);
  return (organisation) => !relationship || (organisation !== undefined && relationship.organisations.has(organisation));
}

/** PractitionerRoles that may take the consult (specialty, licence, availability, not excluded). */
export async function candidates(repo: Repository, request: ServiceRequest, codes: string[], env: RulesEnv, exclude: readonly string[]): Promise<PractitionerRole[]> {
  const roles = await findAll<PractitionerRole>(repo, 'PractitionerRole', { active: 'true', specialty: codes.map((c) => `${CONSULT_SPECIALTY_SYSTEM}|${c}`).join(',') });
  const state = await jurisdictionOf(request, env);
  const out: PractitionerRole[] = [];
  for (const role of roles) {
    if (exclude.includes(`PractitionerRole/${role.id}`) || !available(role, env.now)) continue;
    if (state) {
      // Licensure is checked only against a patient's state: without one, the Practitioner is not read.
      const practitionerId = idOf(localRef(role.practitioner?.reference, env.baseUrl), 'Practitioner');
      const practitioner = practitionerId ? ((await env.resolve(`Practitioner/${practitionerId}`)) as Practitioner | undefined) : undefined;
      if (!(practitioner && licensedIn(practitioner, state, env.now))) continue;
    }
    out.push(role);
  }
  return out;
}

/** The patient's jurisdiction: the state of their first address that has one. */
async function jurisdictionOf(request: ServiceRequest, env: RulesEnv): Promise<string | undefined> {
  const ref = localRef(request.subject?.reference, env.baseUrl);
  const patient = ref ? ((await env.resolve(ref)) as Patient | undefined) : undefined;
  return patient?.address?.find((a) => a.state)?.state?.toUpperCase();
}

/** A licence qualification valid now naming `state`. */
export function licensedIn(practitioner: Practitioner, state: string, now: Date): boolean {
  return (practitioner.qualification ?? []).some((q) => {
    const within = (!q.period?.start || Date.parse(q.period.start) <= now.getTime()) && (!q.period?.end || now.getTime() <= Date.parse(q.period.end));
    const places = (q.extension ?? []).filter((e) => e.url === LICENCE_JURISDICTION).flatMap((e) => e.valueCodeableConcept?.coding?.map((c) => c.code?.toUpperCase()) ?? []);
    return within && places.includes(state);
  });
}

/** Not in a notAvailable period; on one of the availableTime days (when any are given). */
export function available(role: PractitionerRole, now: Date): boolean {
  const t = now.getTime();
  if ((role.notAvailable ?? []).some((n) => (!n.during?.start || Date.parse(n.during.start) <= t) && (!n.during?.end || t <= Date.parse(n.during.end)))) return false;
  const times = role.availableTime ?? [];
  return times.length === 0 || times.some((a) => !a.daysOfWeek?.length || a.daysOfWeek.includes(DAYS[now.getUTCDay()] as never));
}

/**
 * The role with the fewest open consults (ties: the first by id). Each load is the accurate total of
 * an owner + status search, so no Task is read or copied: on the embedded engine both are equality
 * indexes and the count walks the owner's index entry (bench/README.md "Consult day").
 */
async function leastLoaded(roles: PractitionerRole[], repo: Repository): Promise<string | undefined> {
  let best: { ref: string; load: number } | undefined;
  for (const role of [...roles].sort((a, b) => (a.id as string).localeCompare(b.id as string))) {
    const ref = `PractitionerRole/${role.id}`;
    const load = await countAll(repo, 'Task', { owner: ref, status: OPEN_OWNED });
    if (!best || load < best.load) best = { ref, load };
    // Nobody after it (by id) can have fewer than none.
    if (load === 0) break;
  }
  return best?.ref;
}

/** Broader specialties a code belongs to (consult-specialty is hierarchical: ophthalmology > diabetic-retinopathy-screening). */
export function ancestors(code: string): string[] {
  const system = implementationGuide().byCanonical('CodeSystem', CONSULT_SPECIALTY_SYSTEM) as { concept?: Concept[] } | undefined;
  const path = (concepts: Concept[] | undefined, trail: string[]): string[] | undefined => {
    for (const c of concepts ?? []) {
      if (c.code === code) return trail;
      const found = path(c.concept, [c.code, ...trail]);
      if (found) return found;
    }
    return undefined;
  };
  return path(system?.concept, []) ?? [];
}

interface Concept {
  code: string;
  concept?: Concept[];
}
