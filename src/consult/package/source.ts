/**
 * What $package reads, and how: every read and search goes through the caller's Repository, so the
 * access policy decides what a package may hold (README "Security"). Searches are parsed by the
 * project's search parser (search/parse) and paged with the repository's keyset cursors until the
 * last page; nothing is silently cut off (a search larger than the package limit fails instead).
 */
import type { Questionnaire, Resource } from '@medplum/fhirtypes';
import { implementationGuide } from '../../conformance/package';
import { fail, OperationOutcomeError } from '../../fhir/outcome';
import type { AccessPolicy } from '../../repository/access';
import type { Repository } from '../../repository/repository';
import { encodeSearchCursor } from '../../repository/search-cursor';
import type { SearchQuery } from '../../search/ast';
import { parseSearch } from '../../search/parse/index';

/** The reads a package is built from (a port, so the collector can be tested without a store). */
export interface PackageSource {
  /** The current version of `type/id`; undefined when it is unknown, deleted or hidden from the caller. */
  find(type: string, id: string): Promise<Resource | undefined>;
  /**
   * Every current match of `type?params` the caller may see, over all pages (parameters as in a
   * query string, e.g. `{ 'based-on': ['ServiceRequest/1'] }`); none when the type is hidden.
   */
  searchAll(type: string, params: Record<string, string[]>): Promise<Resource[]>;
  /**
   * The Questionnaire a canonical (`url` or `url|version`) names, resolved as validation resolves it:
   * Relay's implementation guide first, then the stored one with that url (and version), most
   * recently updated first.
   */
  questionnaire(canonical: string): Promise<Questionnaire | undefined>;
}

/** Entries asked for per search page. */
const PAGE_SIZE = 1000;

/** 422 too-costly: the consult has more resources than one package may hold. */
export function packageTooLarge(limit: number): OperationOutcomeError {
  return fail(
    'unprocessable',
    'too-costly',
    `the consult has more than ${limit} resources; $package answers at most ${limit} entries in one Bundle and does not truncate: read the consult with paged searches instead`,
  );
}

/** A PackageSource over `repo` (the caller's, so its access policy applies); `limit` bounds one search's matches. */
export function repositorySource(repo: Repository, access: AccessPolicy, { limit, pageSize = PAGE_SIZE }: { limit: number; pageSize?: number }): PackageSource {
  const find = async (type: string, id: string): Promise<Resource | undefined> => {
    try {
      return await repo.read(type, id);
    } catch (err) {
      if (isAbsentOrHidden(err)) return undefined;
      throw err;
    }
  };
  return {
    find,

    async searchAll(type, params) {
      if (!access.canReadType(type)) return [];
      const query: SearchQuery = { ...parseSearch(type, params, { strict: true }).query, total: 'none' };
      const out: Resource[] = [];
      let cursor: string | undefined;
      do {
        const page = await repo.search({ ...query, cursor }, pageSize);
        out.push(...page.matches);
        if (out.length > limit) throw packageTooLarge(limit);
        cursor = page.next ? encodeSearchCursor(page.next) : undefined;
      } while (cursor !== undefined);
      return out;
    },

    async questionnaire(canonical) {
      const known = implementationGuide().byCanonical('Questionnaire', canonical);
      if (known?.id) return (await find('Questionnaire', known.id)) as Questionnaire | undefined;
      const [url, version] = canonical.split('|');
      if (!url || !access.canReadType('Questionnaire')) return undefined;
      const params: Record<string, string[]> = { url: [escapeValue(url)], ...(version ? { version: [escapeValue(version)] } : {}) };
      const { query } = parseSearch('Questionnaire', params, { strict: true });
      const sort = [{ code: '_lastUpdated', field: 'lastUpdatedMs', descending: true }];
      const page = await repo.search({ ...query, sort, total: 'none' }, 1);
      return page.matches[0] as Questionnaire | undefined;
    },
  };
}

/** A literal search value: `,` `|` `$` and `\` escaped (R4 search.html "Escaping Search Parameters"). */
export function escapeValue(text: string): string {
  return text.replace(/[\\,|$]/g, (c) => `\\${c}`);
}

/** 404 (unknown, or a type the caller's scopes hide), 410 (deleted) or 403 (outside the caller's reach): left out of a package. */
function isAbsentOrHidden(err: unknown): boolean {
  return err instanceof OperationOutcomeError && (err.kind === 'not-found' || err.kind === 'gone' || err.kind === 'forbidden');
}
