/**
 * Finds what a terminology operation works on (R4 terminology-service.html): a ValueSet or
 * CodeSystem by canonical URL, first in the local terminology (R4 core and Relay's own package),
 * then in the store; and, for a ValueSet, the stored value sets it imports and stored code systems it
 * draws on, so that its expansion sees them (validation/valuesets.ts `terminologyEnv`).
 */
import type { CodeSystem, Resource, ValueSet } from '@medplum/fhirtypes';
import { implementationGuide } from '../conformance/package';
import { fail, invalid, notFound } from '../fhir/outcome';
import { localCodeSystem, localValueSet, externalSystemName, indexedCodeSystem, terminologyEnv, type LocalCodeSystem, type TerminologyEnv } from '../validation/valuesets';
import type { Repository } from '../repository/repository';
import { storedCanonical, type CanonicalSearch } from './stored';

/** At most this many stored resources are fetched for one expansion's imports and systems. */
const MAX_FETCHES = 25;

/** How a request names its ValueSet (R4 valueset-operation-expand.html: instance, `url`, or `valueSet`). */
export interface ValueSetRequest {
  /** The id of ValueSet/[id]/$operation. */
  id?: string;
  url?: string;
  valueSetVersion?: string;
  /** The `valueSet` parameter (or the body itself). */
  inline?: Resource;
  /** The `context` parameter, which Relay does not support. */
  context?: string;
}

/**
 * The ValueSet a request is about: the stored ValueSet/[id], the inline one, or the one `url` (with
 * `valueSetVersion`) names. 404 when the id or url is unknown; 400 when none or several are given.
 */
export async function requestedValueSet(repo: CanonicalSearch & Pick<Repository, 'read'>, request: ValueSetRequest): Promise<ValueSet> {
  const given = [request.id !== undefined, request.url !== undefined, request.inline !== undefined].filter(Boolean).length;
  if (request.context !== undefined && given === 0) throw fail('invalid', 'not-supported', 'the context parameter is not supported: name the value set with url or valueSet');
  if (given === 0) throw invalid('name the value set: call ValueSet/[id]/$operation, or give the url or valueSet parameter', 'url');
  if (given > 1) throw invalid('name the value set once: by the instance in the URL, the url parameter or the valueSet parameter', request.id !== undefined ? 'url' : 'valueSet');
  if (request.id !== undefined) return repo.read<ValueSet>('ValueSet', request.id);
  if (request.inline !== undefined) {
    if (request.inline.resourceType !== 'ValueSet') throw invalid(`the valueSet parameter must be a ValueSet, not a ${request.inline.resourceType}`, 'valueSet');
    return request.inline;
  }
  const canonical = canonicalOf(request.url as string, request.valueSetVersion);
  const found = await findValueSet(repo, canonical);
  if (!found) throw notFound(`no ValueSet with url ${canonical.replace('|', ' and version ')} is known to Relay`);
  return found;
}

/** `url` and `version` as one canonical (`url|version`); a version inside `url` wins. */
export function canonicalOf(url: string, version: string | undefined): string {
  return version && !url.includes('|') ? `${url}|${version}` : url;
}

/** A ValueSet by canonical URL: local first, then stored. */
export async function findValueSet(repo: CanonicalSearch, canonical: string): Promise<ValueSet | undefined> {
  implementationGuide();
  return localValueSet(canonical) ?? (await storedCanonical<ValueSet>(repo, 'ValueSet', canonical));
}

/** A CodeSystem by URL (`|version` allowed), indexed: local first, then stored. */
export async function findCodeSystem(repo: CanonicalSearch, canonical: string): Promise<LocalCodeSystem | undefined> {
  implementationGuide();
  const local = localCodeSystem(canonical);
  if (local) return local;
  const stored = await storedCanonical<CodeSystem>(repo, 'CodeSystem', canonical);
  return stored?.url ? indexedCodeSystem(stored) : undefined;
}

/** True for a system Relay knows but never holds (SNOMED CT, LOINC, ...), with its name. */
export function externalSystem(system: string): string | undefined {
  return externalSystemName(system.split('|')[0]);
}

/**
 * The terminology one ValueSet's expansion needs: the local one plus the stored value sets it
 * imports (transitively) and the stored code systems its includes and excludes name.
 */
export async function environmentFor(repo: CanonicalSearch, vs: ValueSet): Promise<TerminologyEnv> {
  implementationGuide();
  const extra: (ValueSet | CodeSystem)[] = [];
  const seen = new Set<string>();
  const pending: ValueSet[] = [vs];
  let fetches = 0;
  const fetch = async <T extends ValueSet | CodeSystem>(type: T['resourceType'], url: string): Promise<T | undefined> => {
    const key = `${type} ${url}`;
    if (seen.has(key) || fetches >= MAX_FETCHES) return undefined;
    seen.add(key);
    fetches++;
    return storedCanonical<T>(repo, type, url);
  };
  while (pending.length > 0) {
    const current = pending.shift() as ValueSet;
    for (const part of [...(current.compose?.include ?? []), ...(current.compose?.exclude ?? [])]) {
      if (part.system && !localCodeSystem(part.system) && !externalSystemName(part.system)) {
        const cs = await fetch<CodeSystem>('CodeSystem', part.system);
        if (cs) extra.push(cs);
      }
      for (const imported of part.valueSet ?? []) {
        const url = imported.split('|')[0];
        if (localValueSet(url)) continue;
        const nested = await fetch<ValueSet>('ValueSet', url);
        if (nested) {
          extra.push(nested);
          pending.push(nested);
        }
      }
    }
  }
  return terminologyEnv(extra);
}
