/**
 * Reads the consult's resources through a repository with ordinary FHIR searches (so the same
 * queries run on both engines), every match at once: a consult has a handful of each type.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Repository } from '../repository/repository';
import { parseSearch } from '../search/parse/index';

/** Upper bound on the matches one consult lookup reads; more means the data is not a consult's. */
const MAX_MATCHES = 10_000;

/** Every current resource of `type` matching `params` (e.g. `{ focus: ['ServiceRequest/1'] }`). */
export async function findAll<T extends Resource>(repo: Repository, type: T['resourceType'], params: Record<string, string>): Promise<T[]> {
  const query = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]]));
  const { query: parsed } = parseSearch(type, query, { strict: true });
  const page = await repo.search(parsed, MAX_MATCHES);
  return page.matches as T[];
}

/**
 * How many current resources of `type` match `params`, as the search's accurate total: no resource is
 * read or copied, and on the embedded engine an equality-only query is counted from the indexes.
 */
export async function countAll(repo: Repository, type: string, params: Record<string, string>): Promise<number> {
  const query = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]]));
  const { query: parsed } = parseSearch(type, query, { strict: true });
  const page = await repo.search({ ...parsed, total: 'accurate' }, 0);
  return page.total ?? 0;
}

/** `Type/id` of a literal reference that is relative or absolute on `baseUrl` (version dropped); undefined otherwise. */
export function localRef(reference: string | undefined, baseUrl: string): string | undefined {
  if (!reference) return undefined;
  const relative = reference.startsWith(`${baseUrl}/`) ? reference.slice(baseUrl.length + 1) : reference;
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(relative);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** The id in a `Type/id` reference of the given type, else undefined. */
export function idOf(ref: string | undefined, type: string): string | undefined {
  return ref?.startsWith(`${type}/`) ? ref.slice(type.length + 1) : undefined;
}
