/**
 * What validation may look up through a repository (validation/validator.ts ValidationEnv):
 * StructureDefinitions and Questionnaires by canonical URL, Relay's implementation guide first and
 * then the store (`url` search; with `|version`, that version, else the most recently updated), and
 * the resources that literal references (`ServiceRequest/1`, versioned or not, or absolute on the
 * server's base) name: the current version, which is what a consult's participants follow.
 * Inside a transaction the repository is the transaction's, so earlier entries are visible.
 */
import type { Resource } from '@medplum/fhirtypes';
import { implementationGuide } from '../conformance/package';
import { OperationOutcomeError } from '../fhir/outcome';
import { parseSearch } from '../search/parse/index';
import type { ValidationEnv } from '../validation/validator';
import type { Repository } from './repository';

const LITERAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Resources a running transaction will write, by `Type/id` (rest/bundle/pending.ts). */
export interface PendingResources {
  get(identity: string): Resource | undefined;
}

/** `pending`: resources the running transaction will write; they win over the stored versions. */
export function validationEnv(repo: Repository, baseUrl: string, pending?: PendingResources): ValidationEnv {
  return {
    async canonical(type, canonical) {
      const known = implementationGuide().byCanonical(type, canonical);
      if (known) return known;
      const [url, version] = canonical.split('|');
      const params: Record<string, string[]> = { url: [url] };
      if (version) params.version = [version];
      try {
        const filters = parseSearch(type, params, { strict: true }).query.filters;
        const page = await repo.search({ resourceType: type, filters, sort: [{ code: '_lastUpdated', field: 'lastUpdatedMs', descending: true }], include: [], revinclude: [], total: 'none' }, 1);
        return page.matches[0];
      } catch (err) {
        if (err instanceof OperationOutcomeError) return undefined;
        throw err;
      }
    },
    async resolve(reference) {
      const local = reference.startsWith(baseUrl + '/') ? reference.slice(baseUrl.length + 1) : reference;
      const m = LITERAL.exec(local);
      if (!m) return undefined;
      const planned = pending?.get(`${m[1]}/${m[2]}`);
      if (planned) return planned;
      try {
        return await repo.read<Resource>(m[1], m[2]);
      } catch (err) {
        if (err instanceof OperationOutcomeError) return undefined;
        throw err;
      }
    },
  };
}
