/**
 * Consult-based access (README "Security", the consult of ../shared/workflow.md):
 *
 * - user/ scopes of a practitioner (fhirUser Practitioner/x or PractitionerRole/r): the consults
 *   (ServiceRequests) where one of their identities is the requester or performer, owner or requester
 *   of a Task of the consult, resultsInterpreter of a DiagnosticReport based on it, or where the
 *   performer/owner is a CareTeam they are a participant of. Their identities: the fhirUser, their
 *   PractitionerRoles (and that role's Practitioner and the HealthcareService pools it works in, so
 *   a pooled consult is visible to the pool's members), the CareTeams they take part in and, with
 *   RELAY_ACCESS_ORGANISATION_RULE=true, the Organizations of their roles and every PractitionerRole
 *   of those Organizations (so a consult that their organisation requested or owns is theirs too).
 * - system/ scopes of a client registered with an organisation (token claim `organization`): the
 *   consults whose requester is that Organization or one of its PractitionerRoles.
 *
 * The resources of a consult: the ServiceRequest, its Tasks (focus/basedOn) and their sub-Tasks
 * (partOf), everything pointing at the ServiceRequest or those Tasks through basedOn, partOf, focus,
 * Provenance.target or DocumentReference.context.related, what ServiceRequest.supportingInfo names,
 * and (practitioners) the consult's subject Patient. A practitioner sees no other patient data; an
 * organisation's client sees every resource that points at no ServiceRequest or Task (its type
 * scopes apply), and none that points at another requester's.
 *
 * Everything is looked up once per repository call through indexed reference fields (`sp.<code>.r`)
 * and compiled into `_id` / reference filters.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Collections, Filter } from '../storage/port';
import { currentCollection, type CurrentDoc } from '../repository/documents';
import { spField } from '../search/compile/fields';
import { anyRef, consultParams, NOTHING, or, refsOf, typeClass } from './rules';
import type { Restriction, Visible } from './visible';

export interface ConsultRule {
  /** `practitioner`: user/ scopes with a Practitioner(Role) fhirUser; `organization`: a system/ client's organisation. */
  mode: 'practitioner' | 'organization';
  /** The fhirUser, or the organisation reference. */
  who: string;
  /** RELAY_ACCESS_ORGANISATION_RULE: a practitioner's organisations' consults are theirs too. */
  organisationRule: boolean;
}

interface Consults {
  me: Set<string>;
  srIds: Set<string>;
  taskIds: Set<string>;
  patientIds: Set<string>;
  careTeamIds: Set<string>;
  /** `Type/id` of the consults' ServiceRequests and Tasks. */
  refs: Set<string>;
  /** ServiceRequest.supportingInfo targets, by type. */
  supporting: Map<string, Set<string>>;
}

export function consultRestriction(rule: ConsultRule): Restriction {
  return { resolve: async (db, baseUrl) => consultVisible(rule, await loadConsults(db, rule, baseUrl), baseUrl) };
}

async function find(db: Collections, type: string, filter: Filter): Promise<Resource[]> {
  const docs = await db.collection<CurrentDoc>(currentCollection(type)).find({ $and: [{ deleted: false }, filter] });
  return docs.map((d) => d.resource as Resource);
}

const inList = (values: Iterable<string>) => ({ $in: [...values] });
const ids = (resources: Resource[]) => resources.map((r) => r.id as string);
function targets(resources: Resource[], codes: string[], baseUrl: string, type?: string): string[] {
  return resources.flatMap((r) => codes.flatMap((c) => refsOf(r, c, baseUrl))).filter((v) => v.r && (!type || v.typ === type)).map((v) => v.r as string);
}

async function loadConsults(db: Collections, rule: ConsultRule, baseUrl: string): Promise<Consults> {
  const me = new Set<string>([rule.who]);
  const orgs: string[] = [];
  if (rule.mode === 'organization') {
    orgs.push(rule.who);
  } else {
    const roles = rule.who.startsWith('PractitionerRole/')
      ? await find(db, 'PractitionerRole', { _id: rule.who.slice('PractitionerRole/'.length) })
      : await find(db, 'PractitionerRole', { [spField('practitioner', 'r')]: rule.who });
    for (const r of roles) me.add(`PractitionerRole/${r.id}`);
    for (const p of targets(roles, ['practitioner', 'service'], baseUrl)) me.add(p);
    if (rule.organisationRule) orgs.push(...targets(roles, ['organization'], baseUrl));
  }
  if (orgs.length) {
    for (const o of orgs) me.add(o);
    for (const r of await find(db, 'PractitionerRole', { [spField('organization', 'r')]: inList(orgs) })) me.add(`PractitionerRole/${r.id}`);
  }
  const careTeams = rule.mode === 'practitioner' ? await find(db, 'CareTeam', { [spField('participant', 'r')]: inList(me) }) : [];
  for (const c of careTeams) me.add(`CareTeam/${c.id}`);

  const srIds = new Set<string>();
  const byRef = (codes: string[]) => or(anyRef(codes, [...me]));
  if (rule.mode === 'organization') {
    for (const id of ids(await find(db, 'ServiceRequest', byRef(['requester'])))) srIds.add(id);
  } else {
    for (const id of ids(await find(db, 'ServiceRequest', byRef(['requester', 'performer'])))) srIds.add(id);
    const tasks = await find(db, 'Task', byRef(['owner', 'requester']));
    const reports = await find(db, 'DiagnosticReport', byRef(['results-interpreter']));
    for (const ref of [...targets(tasks, ['focus', 'based-on'], baseUrl, 'ServiceRequest'), ...targets(reports, ['based-on'], baseUrl, 'ServiceRequest')]) {
      srIds.add(ref.slice('ServiceRequest/'.length));
    }
  }
  const requests = srIds.size ? await find(db, 'ServiceRequest', { _id: inList(srIds) }) : [];
  const srRefs = requests.map((r) => `ServiceRequest/${r.id}`);
  const tasks = srRefs.length ? await find(db, 'Task', or(anyRef(['focus', 'based-on'], srRefs))) : [];
  const subTasks = tasks.length ? await find(db, 'Task', or(anyRef(['part-of'], tasks.map((t) => `Task/${t.id}`)))) : [];
  const taskIds = new Set([...ids(tasks), ...ids(subTasks)]);
  const supporting = new Map<string, Set<string>>();
  for (const r of requests) {
    for (const ref of (r.resourceType === 'ServiceRequest' ? r.supportingInfo ?? [] : []).map((s) => s.reference ?? '')) {
      const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref.startsWith(`${baseUrl}/`) ? ref.slice(baseUrl.length + 1) : ref);
      if (m) supporting.set(m[1], (supporting.get(m[1]) ?? new Set()).add(m[2]));
    }
  }
  return {
    me,
    srIds: new Set(ids(requests)),
    taskIds,
    patientIds: new Set(targets(requests, ['subject'], baseUrl, 'Patient').map((r) => r.slice('Patient/'.length))),
    careTeamIds: new Set(ids(careTeams)),
    refs: new Set([...srRefs, ...[...taskIds].map((id) => `Task/${id}`)]),
    supporting,
  };
}

function consultVisible(rule: ConsultRule, c: Consults, baseUrl: string): Visible {
  const practitioner = rule.mode === 'practitioner';
  const links = (resource: Resource) => consultParams(resource.resourceType).flatMap((code) => refsOf(resource, code, baseUrl));
  const linked = (resource: Resource) => links(resource).some((v) => v.r !== undefined && c.refs.has(v.r));
  const unlinked = (resource: Resource) => !links(resource).some((v) => v.typ === 'ServiceRequest' || v.typ === 'Task');
  const supports = (resource: Resource) => c.supporting.get(resource.resourceType)?.has(resource.id as string) === true;
  const byId = (set: Set<string>): Filter => ({ _id: inList(set) });
  const unlinkedFilter = (type: string): Filter => {
    const codes = consultParams(type);
    return codes.length ? { $nor: codes.map((code) => ({ [spField(code, 'typ')]: { $in: ['ServiceRequest', 'Task'] } })) } : {};
  };
  const contains = (resource: Resource): boolean => {
    const type = resource.resourceType;
    const kind = typeClass(type);
    if (kind === 'binary') return false;
    if (type === 'ServiceRequest') return c.srIds.has(resource.id as string);
    if (type === 'Task') return c.taskIds.has(resource.id as string) || (!practitioner && unlinked(resource));
    if (!practitioner) return linked(resource) || supports(resource) || unlinked(resource);
    if (kind === 'shared') return true;
    if (kind === 'other') return false;
    if (type === 'Patient') return c.patientIds.has(resource.id as string);
    if (type === 'CareTeam' && c.careTeamIds.has(resource.id as string)) return true;
    return linked(resource) || supports(resource);
  };
  return {
    describe: practitioner ? `the consults of ${rule.who}` : `the consults requested by ${rule.who}`,
    filter(type) {
      const kind = typeClass(type);
      if (kind === 'binary') return NOTHING;
      if (type === 'ServiceRequest') return byId(c.srIds);
      if (type === 'Task') return practitioner ? byId(c.taskIds) : or([byId(c.taskIds), unlinkedFilter(type)]);
      const toConsult = [...anyRef(consultParams(type), [...c.refs]), ...(c.supporting.has(type) ? [byId(c.supporting.get(type) as Set<string>)] : [])];
      if (!practitioner) return consultParams(type).length ? or([...toConsult, unlinkedFilter(type)]) : undefined;
      if (kind === 'shared') return undefined;
      if (kind === 'other') return NOTHING;
      if (type === 'Patient') return byId(c.patientIds);
      if (type === 'CareTeam') toConsult.push(byId(c.careTeamIds));
      return or(toConsult);
    },
    contains,
    mayWrite(resource, state) {
      if (state === 'current') return contains(resource);
      const type = resource.resourceType;
      if (type === 'Binary') return true; // a new upload; readable once a visible resource links it
      if (contains(resource) || linked(resource)) return true;
      if (type === 'ServiceRequest') return targets([resource], practitioner ? ['requester', 'performer'] : ['requester'], baseUrl).some((r) => c.me.has(r));
      return practitioner && type === 'Patient'; // a referring practitioner registers the patient before the consult
    },
  };
}
