/**
 * `_include` and `_revinclude` (R4 search.html#include): the resources a page's matches refer to,
 * and the resources that refer to them, read through the same access policy. `:iterate` specs are
 * applied again to what was included, a bounded number of rounds.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Collections } from '../storage/port';
import type { IncludeSpec } from '../search/ast';
import type { SearchParamDef } from '../search/params';
import type { ReferenceValue } from '../search/index-values';
import { searchParams } from '../search/registry';
import { extractParam } from '../search/extract/index';
import { spField } from '../search/compile/fields';
import type { AccessPolicy } from './access';
import type { Visible } from '../access/visible';
import { currentCollection, type CurrentDoc } from './documents';

const MAX_ROUNDS = 4;
/** Upper bound on included resources per page, so one page cannot read the whole store. */
export const MAX_INCLUDED = 1000;

export interface IncludeOptions {
  baseUrl: string;
  access: AccessPolicy;
  /** The caller's compartment or consults: included resources must lie inside (reverse includes are filtered in the query). */
  visible?: Visible;
}

/** The included resources for `matches` (never one of the matches, never twice). */
export async function readIncludes(db: Collections, matches: Resource[], include: IncludeSpec[], revinclude: IncludeSpec[], options: IncludeOptions): Promise<Resource[]> {
  const seen = new Set(matches.map(key));
  const included: Resource[] = [];
  let frontier = matches;
  for (let round = 0; round < MAX_ROUNDS && frontier.length > 0 && included.length < MAX_INCLUDED; round++) {
    const forward = include.filter((s) => round === 0 || s.iterate);
    const reverse = revinclude.filter((s) => round === 0 || s.iterate);
    const found = [...(await forwardIncludes(db, frontier, forward, options)), ...(await reverseIncludes(db, frontier, reverse, options.visible))];
    frontier = [];
    for (const resource of found) {
      if (seen.has(key(resource)) || !options.access.canRead(resource) || (options.visible && !options.visible.contains(resource)) || included.length >= MAX_INCLUDED) continue;
      seen.add(key(resource));
      included.push(resource);
      frontier.push(resource);
    }
  }
  return included;
}

async function forwardIncludes(db: Collections, sources: Resource[], specs: IncludeSpec[], options: IncludeOptions): Promise<Resource[]> {
  const wanted = new Map<string, Set<string>>();
  for (const source of sources) {
    for (const spec of specs) {
      if (spec.sourceType !== source.resourceType) continue;
      for (const def of referenceParams(spec)) {
        for (const value of extractParam(def, source, { baseUrl: options.baseUrl }) as ReferenceValue[]) {
          if (!value.typ || !value.id || (spec.targetType && value.typ !== spec.targetType)) continue;
          wanted.set(value.typ, (wanted.get(value.typ) ?? new Set()).add(value.id));
        }
      }
    }
  }
  return readByIds(db, wanted);
}

async function reverseIncludes(db: Collections, targets: Resource[], specs: IncludeSpec[], visible: Visible | undefined): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const spec of specs) {
    const refs = targets.filter((t) => !spec.targetType || t.resourceType === spec.targetType).map(key);
    if (refs.length === 0) continue;
    for (const def of referenceParams(spec)) {
      const scope = visible?.filter(spec.sourceType);
      const base = { deleted: false, [spField(def.code, 'r')]: { $in: refs } };
      const docs = await db.collection<CurrentDoc>(currentCollection(spec.sourceType)).find(scope ? { $and: [base, scope] } : base, { limit: MAX_INCLUDED });
      out.push(...docs.map((d) => d.resource as Resource));
    }
  }
  return out;
}

async function readByIds(db: Collections, wanted: Map<string, Set<string>>): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const [type, ids] of wanted) {
    const docs = await db.collection<CurrentDoc>(currentCollection(type)).find({ _id: { $in: [...ids] }, deleted: false });
    out.push(...docs.map((d) => d.resource as Resource));
  }
  return out;
}

function referenceParams(spec: IncludeSpec): SearchParamDef[] {
  return spec.param === '*' ? searchParams(spec.sourceType).filter((p) => p.type === 'reference') : [spec.param];
}

function key(resource: Resource): string {
  return `${resource.resourceType}/${resource.id}`;
}
