/**
 * Relay's implementation guide as the server uses it: the compiled conformance resources in
 * profiles/package (built from the FSH sources by profiles/build.ts), read once per process. Its
 * ValueSets and CodeSystems join the local terminology, its SearchParameters the search registry
 * (search/registry.ts; stored index values are re-extracted when they change, search/reindex.ts); its StructureDefinitions and Questionnaires
 * are found by canonical URL before anything stored; the whole package is installed into the store
 * as read-only resources (install.ts) so clients can read and search it like any other resource.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, Resource, ValueSet } from '@medplum/fhirtypes';
import { registerTerminology } from '../validation/valuesets';
import { registerSearchParameter } from '../search/registry';

/** The documented canonical base of every resource in profiles/ (profiles/README.md). */
export const RELAY_CANONICAL_BASE = 'https://relay.example/fhir';

export const PACKAGE_DIR = path.resolve(__dirname, '..', '..', 'profiles', 'package');

export interface ImplementationGuide {
  /** Every conformance resource of the package, in file-name order. */
  readonly resources: readonly Resource[];
  /** `Type/id` of each: these are read-only on the server. */
  readonly keys: ReadonlySet<string>;
  /** Finds a resource of `type` by canonical URL (`url` or `url|version`). */
  byCanonical(type: string, canonical: string): Resource | undefined;
}

let loaded: ImplementationGuide | undefined;

/** Reads profiles/package once and registers its terminology. */
export function implementationGuide(): ImplementationGuide {
  if (!loaded) loaded = readPackage(PACKAGE_DIR);
  return loaded;
}

function readPackage(dir: string): ImplementationGuide {
  const resources: Resource[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.json') || file === 'package.json') continue;
    const resource = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Resource;
    if (typeof resource.resourceType === 'string' && typeof resource.id === 'string') resources.push(resource);
  }
  const byUrl = new Map<string, Resource>();
  for (const r of resources) {
    const url = (r as { url?: string }).url;
    if (url) byUrl.set(`${r.resourceType} ${url}`, r);
  }
  registerTerminology(resources.filter((r): r is ValueSet | CodeSystem => r.resourceType === 'ValueSet' || r.resourceType === 'CodeSystem'));
  for (const r of resources) if (r.resourceType === 'SearchParameter') registerSearchParameter(r);
  return {
    resources,
    keys: new Set(resources.map((r) => `${r.resourceType}/${r.id}`)),
    byCanonical(type, canonical) {
      const [url, version] = canonical.split('|');
      const found = byUrl.get(`${type} ${url}`);
      if (!found || (version && (found as { version?: string }).version !== version)) return undefined;
      return found;
    },
  };
}
