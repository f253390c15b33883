/**
 * The reference point of bench/search.ts: @medplum/fhir-router's in-process MemoryRepository
 * (a linear FHIRPath scan per search, no indexes). It ignores `_include`/`_revinclude` and finds
 * nothing for chained parameters, so those are emulated with the extra calls a client (or Medplum's
 * own server) would make: the base search, then readReferences for `_include`, a second search for
 * `_revinclude`, and a search of the chain's target type first for a chain.
 */
import { evalFhirPath, getSearchParameter, parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Reference, Resource } from '@medplum/fhirtypes';
import type { Params } from './search-queries';

export { MemoryRepository };

/** Runs one search the way Relay's case means it; answers the number of matches (the Bundle total). */
export async function medplumSearch(repo: MemoryRepository, type: string, params: Params, pageSize: number): Promise<number> {
  const { _include: include = [], _revinclude: revinclude = [], ...rest } = params;
  const query: Params = { ...rest };
  for (const key of Object.keys(query)) {
    const chain = /^([^:.]+):([A-Za-z]+)\.(.+)$/.exec(key);
    if (!chain) continue;
    const [, param, targetType, targetParam] = chain;
    const targets = await repo.search(withCount(parseSearchRequest(targetType, { [targetParam]: query[key] }), 1000));
    delete query[key];
    const refs = (targets.entry ?? []).map((e) => `${targetType}/${e.resource?.id}`);
    if (refs.length === 0) return 0;
    query[param] = [refs.join(',')];
  }
  const bundle = await repo.search(withCount(parseSearchRequest(type, query), pageSize));
  const matches = (bundle.entry ?? []).map((e) => e.resource as Resource);
  for (const spec of include) {
    const [sourceType, code] = spec.split(':');
    const expression = getSearchParameter(sourceType, code)?.expression;
    if (!expression) throw new Error(`Medplum knows no search parameter ${spec}`);
    const refs = matches.flatMap((m) => evalFhirPath(expression, m) as Reference[]).filter((r) => typeof r?.reference === 'string');
    await repo.readReferences(refs);
  }
  for (const spec of revinclude) {
    const [sourceType, code] = spec.split(':');
    if (matches.length > 0) await repo.search(withCount(parseSearchRequest(sourceType, { [code]: [matches.map((m) => `${m.resourceType}/${m.id}`).join(',')] }), 1000));
  }
  return bundle.total ?? matches.length;
}

/** Medplum's parser leaves `count` unset without `_count`; the MemoryRepository then returns every match. */
function withCount<T extends { count?: number }>(request: T, count: number): T {
  return { ...request, count: request.count ?? count };
}
