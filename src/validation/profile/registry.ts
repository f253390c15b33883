/**
 * Compiled profiles, cached: the package's StructureDefinitions are compiled once per process, a
 * stored one once per version (keyed by canonical URL, id and meta.versionId, so an update is seen at
 * once). Nested profiles (an extension slice's type profile, a parent profile) are found
 * synchronously among the package and the stored profiles already compiled.
 */
import type { StructureDefinition } from '@medplum/fhirtypes';
import { implementationGuide } from '../../conformance/package';
import { compileProfile, type CompiledProfile } from './compile';
import type { ProfileLookup } from './evaluate';

const MAX_STORED = 500;
const packageCompiled = new Map<string, CompiledProfile>();
const storedCompiled = new Map<string, CompiledProfile>();
const storedLatest = new Map<string, CompiledProfile>();

/** The compiled form of a StructureDefinition; throws when it cannot be compiled (no snapshot). */
export function compiled(sd: StructureDefinition): CompiledProfile {
  const guide = implementationGuide();
  if (sd.url && guide.byCanonical('StructureDefinition', sd.url) === sd) {
    let out = packageCompiled.get(sd.url);
    if (!out) packageCompiled.set(sd.url, (out = compileProfile(sd)));
    return out;
  }
  const key = `${sd.url}|${sd.id}|${sd.meta?.versionId}|${sd.meta?.lastUpdated}`;
  let out = storedCompiled.get(key);
  if (!out) {
    out = compileProfile(sd);
    if (storedCompiled.size >= MAX_STORED) storedCompiled.delete(storedCompiled.keys().next().value as string);
    storedCompiled.set(key, out);
  }
  storedLatest.set(sd.url as string, out);
  return out;
}

/** Synchronous lookup for profiles nested in a profile being checked. */
export const lookupCompiled: ProfileLookup = (canonical) => {
  const url = canonical.split('|')[0];
  const sd = implementationGuide().byCanonical('StructureDefinition', url) as StructureDefinition | undefined;
  if (sd) return compiled(sd);
  return storedLatest.get(url);
};
