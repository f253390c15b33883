/**
 * The consult package (README "Consult workflow", $package): everything that belongs to one consult
 * ServiceRequest (../shared/workflow.md "Resources of one consult"), gathered through a PackageSource
 * and put in a stable order by role. A resource reached in several ways appears once, in its first
 * role. Binaries are not gathered: Media.content.url keeps linking them on this server.
 */
import type { QuestionnaireResponse, Reference, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { parseReference } from '../../search/extract/reference';
import { packageTooLarge, type PackageSource } from './source';

/** The roles of a package's entries, in Bundle order. */
export const ROLES = [
  'request',
  'patient',
  'requester',
  'task',
  'sub-task',
  'response',
  'questionnaire',
  'media',
  'observation',
  'communication',
  'report',
  'provenance',
  'supporting',
] as const;
export type Role = (typeof ROLES)[number];

/** Types requester references may name (R4 ServiceRequest.requester, Task.requester). */
const REQUESTER_TYPES = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device']);
/** supportingInfo targets that have a role of their own; every other target is `supporting`. */
const SUPPORTING_ROLES: ReadonlyMap<string, Role> = new Map([
  ['QuestionnaireResponse', 'response'],
  ['Media', 'media'],
  ['Observation', 'observation'],
]);
/** References per search (an OR of values), so that one query stays small. */
const CHUNK = 100;

export interface PackageOptions {
  baseUrl: string;
  /** Most entries a package may hold; more is a 422 (never a truncated package). */
  maxEntries: number;
}

/** The resources of the consult `ServiceRequest/<id>`, in package order (the ServiceRequest first). */
export async function collectPackage(source: PackageSource, request: ServiceRequest, options: PackageOptions): Promise<Resource[]> {
  const pkg = new PackageEntries(options.maxEntries);
  const local = (ref: Reference | undefined) => localRef(ref?.reference, options.baseUrl);
  const find = async (role: Role, ref: LocalRef | undefined, types?: ReadonlySet<string>) => {
    if (!ref || (types && !types.has(ref.type))) return undefined;
    const found = pkg.get(`${ref.type}/${ref.id}`) ?? (await source.find(ref.type, ref.id));
    if (found) pkg.add(role, found);
    return found;
  };
  // `type?param=ref1,ref2,...` (an OR), CHUNK references per search.
  const pointingAt = async (type: string, param: string, refs: readonly string[]) => {
    const found: Resource[] = [];
    for (let i = 0; i < refs.length; i += CHUNK) found.push(...(await source.searchAll(type, { [param]: [refs.slice(i, i + CHUNK).join(',')] })));
    return found;
  };
  const search = async (role: Role, type: string, param: string, refs: readonly string[]) => {
    const found = await pointingAt(type, param, refs);
    for (const r of found) pkg.add(role, r);
    return found;
  };
  const srRef = `ServiceRequest/${request.id}`;
  pkg.add('request', request);
  await find('patient', local(request.subject), new Set(['Patient']));

  // Tasks coordinating the consult, then their sub-Tasks (partOf), level by level.
  const tasks = uniqueById([...(await search('task', 'Task', 'focus', [srRef])), ...(await search('task', 'Task', 'based-on', [srRef]))]) as Task[];
  const subTasks: Task[] = [];
  const seenTasks = new Set(tasks.map((t) => t.id as string));
  for (let level = tasks; level.length; ) {
    const next = uniqueById(await pointingAt('Task', 'part-of', level.map((t) => `Task/${t.id}`))).filter((t) => !seenTasks.has(t.id as string)) as Task[];
    for (const t of next) seenTasks.add(t.id as string);
    subTasks.push(...next);
    level = next;
  }
  for (const t of subTasks) pkg.add('sub-task', t);
  const allTasks = [...tasks, ...subTasks];

  for (const holder of [request, ...allTasks]) {
    const requester = await find('requester', local(holder.requester), REQUESTER_TYPES);
    if (requester?.resourceType === 'PractitionerRole') {
      await find('requester', local(requester.practitioner));
      await find('requester', local(requester.organization));
    }
  }

  const supporting = (request.supportingInfo ?? []).map(local).filter((r): r is LocalRef => r !== undefined);
  const supportingOf = (type: string) => supporting.filter((r) => r.type === type);
  const responses = [...(await search('response', 'QuestionnaireResponse', 'based-on', [srRef]))] as QuestionnaireResponse[];
  const outputs = subTasks.flatMap((t) => (t.output ?? []).map((o) => local(o.valueReference))).filter((r) => r?.type === 'QuestionnaireResponse');
  for (const ref of [...supportingOf('QuestionnaireResponse'), ...outputs]) {
    const found = await find('response', ref);
    if (found) responses.push(found as QuestionnaireResponse);
  }
  for (const canonical of new Set(responses.map((qr) => qr.questionnaire).filter((q): q is string => typeof q === 'string'))) {
    const questionnaire = await source.questionnaire(canonical);
    if (questionnaire) pkg.add('questionnaire', questionnaire);
  }

  await search('media', 'Media', 'based-on', [srRef]);
  await search('observation', 'Observation', 'based-on', [srRef]);
  for (const ref of [...supportingOf('Media'), ...supportingOf('Observation')]) await find(SUPPORTING_ROLES.get(ref.type) as Role, ref);
  await search('communication', 'Communication', 'based-on', [srRef]);
  await search('communication', 'Communication', 'part-of', allTasks.map((t) => `Task/${t.id}`));
  await search('communication', 'Communication', 'about', [srRef, ...allTasks.map((t) => `Task/${t.id}`)]);
  await search('report', 'DiagnosticReport', 'based-on', [srRef]);
  for (const ref of supporting.filter((r) => !SUPPORTING_ROLES.has(r.type))) await find('supporting', ref);
  await search('provenance', 'Provenance', 'target', pkg.keys().filter((k) => !k.startsWith('Provenance/')));
  return pkg.ordered();
}

interface LocalRef {
  type: string;
  id: string;
}

/** `Type/id` of a reference to a resource on this server (relative, or absolute on `baseUrl`; a version is dropped). */
export function localRef(reference: string | undefined, baseUrl: string): LocalRef | undefined {
  if (typeof reference !== 'string' || reference === '') return undefined;
  const parsed = parseReference(reference, baseUrl);
  return parsed.typ && parsed.id ? { type: parsed.typ, id: parsed.id } : undefined;
}

/** The entries found so far, each under the first role (in ROLES order) it was found in. */
class PackageEntries {
  private readonly entries = new Map<string, { rank: number; resource: Resource }>();

  constructor(private readonly limit: number) {}

  add(role: Role, resource: Resource): void {
    const key = `${resource.resourceType}/${resource.id}`;
    const rank = ROLES.indexOf(role);
    const known = this.entries.get(key);
    if (known && known.rank <= rank) return;
    this.entries.set(key, { rank, resource });
    if (this.entries.size > this.limit) throw packageTooLarge(this.limit);
  }

  /** The resource already gathered under `Type/id`, if any (so it is read once). */
  get(key: string): Resource | undefined {
    return this.entries.get(key)?.resource;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** By role, then by id, then by type (a role such as `requester` mixes types); code-unit order, not locale. */
  ordered(): Resource[] {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.entries.values()]
      .sort((a, b) => a.rank - b.rank || cmp(a.resource.id as string, b.resource.id as string) || cmp(a.resource.resourceType, b.resource.resourceType))
      .map((e) => e.resource);
  }
}

function uniqueById<T extends Resource>(resources: T[]): T[] {
  return [...new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r])).values()];
}
