/**
 * Which consult profiles apply to a resource without it asking (README "Validation"): a
 * ServiceRequest whose category carries a code of Relay's consult-specialty code system is a consult
 * request; a Task, Media, QuestionnaireResponse, DiagnosticReport or Communication takes part in a
 * consult when it points at such a ServiceRequest (Task.focus/basedOn, *.basedOn, Communication.about
 * or basedOn, directly or through the consult's Task). Those get the matching profile of
 * profiles/ applied on every write, whatever their meta.profile says.
 */
import type { Reference, Resource } from '@medplum/fhirtypes';
import { RELAY_CANONICAL_BASE } from '../conformance/package';

export const CONSULT_SPECIALTY_SYSTEM = `${RELAY_CANONICAL_BASE}/CodeSystem/consult-specialty`;
const profile = (id: string) => `${RELAY_CANONICAL_BASE}/StructureDefinition/${id}`;

/** The profile applied to consult participants of each type. */
export const CONSULT_PROFILES: Readonly<Record<string, string>> = {
  ServiceRequest: profile('consult-request'),
  Task: profile('consult-task'),
  Media: profile('consult-media'),
  QuestionnaireResponse: profile('intake-response'),
  DiagnosticReport: profile('consult-report'),
  Communication: profile('consult-communication'),
};

/** Reads what a literal reference points at (undefined when absent, deleted or not a local reference). */
export type ResolveReference = (reference: string) => Promise<Resource | undefined>;

/** The consult profile that applies to `resource`, if it takes part in a consult. */
export async function consultProfileFor(resource: Resource, resolve: ResolveReference): Promise<string | undefined> {
  const url = CONSULT_PROFILES[resource.resourceType];
  if (!url) return undefined;
  if (resource.resourceType === 'ServiceRequest') return isConsultRequest(resource) ? url : undefined;
  for (const ref of pointers(resource)) {
    if (await leadsToConsult(ref, resolve, 1)) return url;
  }
  return undefined;
}

/** True for a ServiceRequest categorised with a consult specialty. */
export function isConsultRequest(resource: Resource): boolean {
  return resource.resourceType === 'ServiceRequest' && list(resource.category).some((c) => list((c as { coding?: unknown })?.coding).some((coding) => (coding as { system?: unknown })?.system === CONSULT_SPECIALTY_SYSTEM));
}

function pointers(resource: Resource): string[] {
  const refs: unknown[] = [];
  switch (resource.resourceType) {
    case 'Task':
      refs.push(resource.focus, ...list(resource.basedOn));
      break;
    case 'Media':
    case 'QuestionnaireResponse':
    case 'DiagnosticReport':
      refs.push(...list(resource.basedOn));
      break;
    case 'Communication':
      refs.push(...list(resource.about), ...list(resource.basedOn));
      break;
    default:
      break;
  }
  return refs.map((r) => (r as Reference | undefined)?.reference).filter((r): r is string => typeof r === 'string' && /(^|\/)(ServiceRequest|Task)\/[^/]+(\/_history\/[^/]+)?$/.test(r));
}

/** The items of a list-valued element, tolerating malformed input (the base checks report that). */
function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

async function leadsToConsult(reference: string, resolve: ResolveReference, hops: number): Promise<boolean> {
  const target = await resolve(reference);
  if (!target) return false;
  if (target.resourceType === 'ServiceRequest') return isConsultRequest(target);
  if (target.resourceType !== 'Task' || hops === 0) return false;
  for (const ref of pointers(target)) if (await leadsToConsult(ref, resolve, hops - 1)) return true;
  return false;
}
