/**
 * Conditional create, update and delete (R4 http.html#ccreate, #cond-update, #3.1.0.7.1): find what
 * the criteria match, then write, all in one transaction that first claims the criteria's guard
 * (./guard.ts). Concurrent requests with the same criteria therefore act one after the other, and
 * each sees what the previous one wrote: 50 racing conditional creates make exactly one resource.
 * (Different criteria that select the same resource are not serialised against each other.)
 * Conditional patch (http.html#patch) works the same way.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { SearchQuery } from '../search/ast';
import { DuplicateKeyError } from '../storage/port';
import { conflict, fail, invalid, notFound, preconditionFailed } from '../fhir/outcome';
import type { Repository, UpdateResult } from './repository';
import { GUARD_COLLECTION } from './guard';

/** Parsed conditional criteria (rest/criteria.ts). */
export interface ConditionalCriteria {
  type: string;
  /** A type-level search with the criteria's filters only. */
  query: SearchQuery;
  /** The criteria as sorted `name=value` pairs (decoded): names the guard, and quoted in messages. */
  canonical: string;
}

/** The most resources one conditional delete removes when deleting several is enabled. */
export const MAX_CONDITIONAL_DELETE = 100;

export interface DeletedVersion {
  id: string;
  versionId: string;
  lastUpdated: string;
}

/**
 * Conditional create: the one existing match (created: false), or `resource` created anew (under
 * `options.id` when the server chose one beforehand); 412 when several match.
 */
export async function createUnlessMatched<T extends Resource>(repo: Repository, resource: T, criteria: ConditionalCriteria, options: { id?: string } = {}): Promise<{ resource: Resource; created: boolean }> {
  return guarded(repo, criteria, async (tx) => {
    const [match] = await matching(tx, criteria, 1, 'a conditional create needs none or one');
    if (match) return { resource: match, created: false };
    const created = await tx.create(resource, options);
    await assertSelects(tx, criteria, created, 'If-None-Exist');
    return { resource: created, created: true };
  });
}

/**
 * Conditional update: updates the one match (the body's id, if any, must be its id); with no match,
 * creates `resource` (under its own id when it has one: update-as-create); 412 when several match.
 */
export async function updateMatching<T extends Resource>(repo: Repository, resource: T, criteria: ConditionalCriteria, options: { ifMatch?: string }): Promise<UpdateResult> {
  const { type, canonical } = criteria;
  return guarded(repo, criteria, async (tx) => {
    const [match] = await matching(tx, criteria, 1, 'a conditional update needs none or one');
    if (match) {
      if (resource.id !== undefined && resource.id !== match.id) {
        throw invalid(`the body's id "${resource.id}" differs from ${type}/${match.id}, the one ${type} matching ${canonical}`, `${type}.id`);
      }
      return tx.update({ ...resource, id: match.id as string }, options);
    }
    if (options.ifMatch !== undefined) throw preconditionFailed(`If-Match names version ${options.ifMatch}, but no ${type} matches ${canonical}`);
    let result: UpdateResult;
    if (resource.id === undefined) {
      result = { resource: await tx.create(resource), created: true };
    } else {
      // R5 http.html#cond-update spells out what R4 leaves open: an id that exists but was not matched is a 409.
      if ((await found(tx, type, [{ kind: 'id', ids: [resource.id] }], 1)).total > 0) {
        throw conflict(`${type}/${resource.id} exists but does not match ${canonical}; a conditional update only replaces the resource its criteria select`);
      }
      result = await tx.update(resource);
    }
    await assertSelects(tx, criteria, result.resource, 'the conditional update');
    return result;
  });
}

/** Conditional delete: deletes the match (every match, up to MAX_CONDITIONAL_DELETE, when `multiple`); 412 when more match. */
export async function deleteMatching(repo: Repository, criteria: ConditionalCriteria, options: { multiple: boolean }): Promise<DeletedVersion[]> {
  const limit = options.multiple ? MAX_CONDITIONAL_DELETE : 1;
  const rule = options.multiple ? `a conditional delete removes at most ${MAX_CONDITIONAL_DELETE}` : 'this server deletes at most one resource per conditional delete';
  return guarded(repo, criteria, async (tx) => {
    const deleted: DeletedVersion[] = [];
    for (const match of await matching(tx, criteria, limit, rule)) {
      const { versionId, lastUpdated } = await tx.delete(criteria.type, match.id as string);
      if (versionId !== undefined && lastUpdated !== undefined) deleted.push({ id: match.id as string, versionId, lastUpdated });
    }
    return deleted;
  });
}

/**
 * Conditional patch (R4 http.html#patch): hands the one match to `patch` inside the guarded
 * transaction, so that the match and the write it makes are one atomic step; 404 when nothing
 * matches, 412 when several do.
 */
export async function patchMatching<R>(repo: Repository, criteria: ConditionalCriteria, patch: (tx: Repository, current: Resource) => Promise<R>): Promise<R> {
  return guarded(repo, criteria, async (tx) => {
    const [match] = await matching(tx, criteria, 1, 'a conditional patch changes exactly one');
    if (!match) throw notFound(`no ${criteria.type} matches ${criteria.canonical}; nothing was patched`);
    return patch(tx, match);
  });
}

/** Runs `work` in a transaction that first claims the criteria's guard. */
async function guarded<R>(repo: Repository, criteria: ConditionalCriteria, work: (tx: Repository) => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await repo.transaction(async (tx) => {
        await tx.claimConditionalGuard(criteria.type, criteria.canonical);
        return work(tx);
      });
    } catch (err) {
      // Two first-ever claims of one guard may both insert it; on MongoDB the loser can see a duplicate
      // key rather than a (retried) write conflict. Running again then finds the guard and the winner's writes.
      if (!(err instanceof DuplicateKeyError && err.collection === GUARD_COLLECTION) || attempt === 3) throw err;
    }
  }
}

/** The resources matching `criteria`, at most `limit` (412 quoting `rule` when more match). */
async function matching(tx: Repository, criteria: ConditionalCriteria, limit: number, rule: string): Promise<Resource[]> {
  const { type, canonical, query } = criteria;
  const { resources, total } = await found(tx, type, query.filters, limit + 1);
  if (total > limit) throw preconditionFailed(`${total} ${type} resources match ${canonical}; ${rule}: make the criteria more selective`);
  if (resources.length < total) throw fail('precondition-failed', 'forbidden', `${total} ${type} resources match ${canonical}, but not all are visible to this caller`);
  return resources;
}

async function found(tx: Repository, type: string, filters: SearchQuery['filters'], count: number): Promise<{ resources: Resource[]; total: number }> {
  const page = await tx.search({ resourceType: type, filters, sort: [], include: [], revinclude: [], total: 'accurate' }, count);
  return { resources: page.matches, total: page.total ?? page.matches.length };
}

/**
 * A resource created by a conditional write must match its criteria: otherwise repeating the same
 * request would create another one. Throwing here discards the whole transaction.
 */
async function assertSelects(tx: Repository, criteria: ConditionalCriteria, resource: Resource, source: string): Promise<void> {
  const { type, canonical, query } = criteria;
  const { total } = await found(tx, type, [...query.filters, { kind: 'id', ids: [resource.id as string] }], 1);
  if (total === 0) {
    throw invalid(`the ${type} does not match the criteria of ${source} (${canonical}), so repeating the request would create another; nothing was created`);
  }
}
