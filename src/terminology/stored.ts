/**
 * Stored conformance resources by canonical URL (R4 references.html#canonical): a `url` search,
 * with `|version` that version, else the most recently updated match. The same lookup validation
 * uses for profiles (repository/validation-env.ts), for the terminology operations' ValueSets and
 * CodeSystems that are neither R4 core nor Relay's own.
 */
import type { Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../fhir/outcome';
import type { Repository } from '../repository/repository';
import { parseSearch } from '../search/parse/index';

export type CanonicalSearch = Pick<Repository, 'search'>;

/** The stored `type` whose url (and version, if given) matches `canonical`; undefined when none does. */
export async function storedCanonical<T extends Resource>(repo: CanonicalSearch, type: string, canonical: string): Promise<T | undefined> {
  const bar = canonical.indexOf('|');
  const url = bar < 0 ? canonical : canonical.slice(0, bar);
  const version = bar < 0 ? '' : canonical.slice(bar + 1);
  const params: Record<string, string[]> = { url: [url] };
  if (version) params.version = [version];
  try {
    const filters = parseSearch(type, params, { strict: true }).query.filters;
    const page = await repo.search({ resourceType: type, filters, sort: [{ code: '_lastUpdated', field: 'lastUpdatedMs', descending: true }], include: [], revinclude: [], total: 'none' }, 1);
    return page.matches[0] as T | undefined;
  } catch (err) {
    if (err instanceof OperationOutcomeError) return undefined;
    throw err;
  }
}
