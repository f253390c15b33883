/**
 * The package's reads without a store: repositorySource pages a search to its end through the
 * repository's cursors and refuses to grow past the limit; collectPackage refuses a package larger
 * than maxEntries (never a truncated one). The whole operation is tested over HTTP in
 * test/consult-package.test.ts.
 */
import type { Media, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { fail, OperationOutcomeError } from '../../fhir/outcome';
import { operatorAccess, type AccessPolicy } from '../../repository/access';
import type { Repository } from '../../repository/repository';
import { decodeSearchCursor, orderKeys } from '../../repository/search-cursor';
import type { SearchQuery } from '../../search/ast';
import { collectPackage } from './collect';
import { repositorySource, type PackageSource } from './source';

const media = (n: number): Media => ({ resourceType: 'Media', id: `m${String(n).padStart(2, '0')}`, status: 'completed', content: {} });

/** A repository holding `stored` (in id order) for every search, recording the queries it is asked. */
function fakeRepo(stored: Resource[], asked: SearchQuery[], read?: (type: string, id: string) => Promise<Resource>): Repository {
  return {
    async search(query: SearchQuery, count: number) {
      asked.push(query);
      const after = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor, orderKeys([])).values[0];
      const rest = stored.filter((r) => after === undefined || (r.id as string) > (after as string));
      const page = rest.slice(0, count);
      const next = rest.length > count ? { direction: 'after' as const, type: query.resourceType as string, values: [page[page.length - 1].id as string] } : undefined;
      return { matches: page, next, included: [] };
    },
    read: read ?? (async () => Promise.reject(new Error('not used'))),
  } as unknown as Repository;
}

async function outcomeError(promise: Promise<unknown>): Promise<OperationOutcomeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof OperationOutcomeError) return err;
  throw new Error(`expected an OperationOutcomeError, got ${String(err)}`);
}

describe('repositorySource', () => {
  it('follows the cursor to the last page, with the parsed reference search', async () => {
    const asked: SearchQuery[] = [];
    const source = repositorySource(fakeRepo([1, 2, 3, 4, 5].map(media), asked), operatorAccess, { limit: 100, pageSize: 2 });
    const found = await source.searchAll('Media', { 'based-on': ['ServiceRequest/sr'] });
    expect(found.map((r) => r.id)).toEqual(['m01', 'm02', 'm03', 'm04', 'm05']);
    expect(asked).toHaveLength(3);
    expect(asked[0]).toMatchObject({ resourceType: 'Media', total: 'none', filters: [{ kind: 'reference', values: [{ type: 'ServiceRequest', id: 'sr' }] }] });
  });

  it('fails with 422 too-costly, rather than truncating, when one search passes the limit', async () => {
    const source = repositorySource(fakeRepo([1, 2, 3, 4, 5].map(media), []), operatorAccess, { limit: 3, pageSize: 2 });
    const err = await outcomeError(source.searchAll('Media', { 'based-on': ['ServiceRequest/sr'] }));
    expect(err.kind).toBe('unprocessable');
    expect(err.outcome.issue?.[0]).toMatchObject({ code: 'too-costly' });
  });

  it('searches no type the caller may not see', async () => {
    const asked: SearchQuery[] = [];
    const hidden: AccessPolicy = { ...operatorAccess, canReadType: (type) => type !== 'Media' };
    expect(await repositorySource(fakeRepo([media(1)], asked), hidden, { limit: 10 }).searchAll('Media', { 'based-on': ['ServiceRequest/sr'] })).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('leaves out what is unknown, deleted or forbidden, and passes other failures on', async () => {
    const failures: Record<string, OperationOutcomeError> = {
      unknown: fail('not-found', 'not-found', 'unknown'),
      deleted: fail('gone', 'deleted', 'deleted'),
      hidden: fail('forbidden', 'forbidden', 'hidden'),
      broken: fail('internal', 'exception', 'broken'),
    };
    const source = repositorySource(
      fakeRepo([], [], async (_type, id) => Promise.reject(failures[id])),
      operatorAccess,
      { limit: 10 },
    );
    for (const id of ['unknown', 'deleted', 'hidden']) expect(await source.find('Media', id)).toBeUndefined();
    expect((await outcomeError(source.find('Media', 'broken'))).kind).toBe('internal');
  });
});

describe('collectPackage', () => {
  const request: ServiceRequest = { resourceType: 'ServiceRequest', id: 'sr', status: 'active', intent: 'order', subject: { reference: 'Patient/p' } };
  const source = (media: Media[]): PackageSource => ({
    find: async () => undefined,
    searchAll: async (type) => (type === 'Media' ? media : []),
    questionnaire: async () => undefined,
  });

  it('fails with 422 too-costly when the package would hold more than maxEntries', async () => {
    const err = await outcomeError(collectPackage(source([1, 2, 3].map(media)), request, { baseUrl: 'http://x/fhir', maxEntries: 3 }));
    expect(err.kind).toBe('unprocessable');
    expect(err.outcome.issue?.[0]).toMatchObject({ code: 'too-costly' });
  });

  it('holds exactly maxEntries without complaint', async () => {
    const all = await collectPackage(source([1, 2].map(media)), request, { baseUrl: 'http://x/fhir', maxEntries: 3 });
    expect(all.map((r) => `${r.resourceType}/${r.id}`)).toEqual(['ServiceRequest/sr', 'Media/m01', 'Media/m02']);
  });
});
