/**
 * patch (R4 http.html#patch): PATCH [base]/[type]/[id] with a JSON Patch (application/json-patch+json)
 * or a FHIRPath Patch (a Parameters resource). The current version is read, patched and written as
 * an update in one transaction, so the result is validated like any update, If-Match applies (412),
 * and a patch that changes nothing makes no new version. Unknown: 404; deleted: 410.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { FhirRequest, FhirResult, Handler } from './types';
import type { Repository } from '../repository/repository';
import { assertKnownType } from './resource-type';
import { assertValidId, parseVersionTag } from '../fhir/ids';
import { fail, preconditionFailed } from '../fhir/outcome';
import { applyPatch } from '../patch/index';
import { versionOf } from './version';

export const patch: Handler = async (ctx, req) => {
  const type = req.type as string;
  const id = req.id as string;
  assertKnownType(type);
  assertValidId(id, `${type}.id`);
  const ifMatch = parseVersionTag(req.headers.ifMatch);
  const patched = await ctx.repo.transaction(async (tx) => patchVersion(tx, await tx.read(type, id), req, ifMatch));
  return patchResult(patched);
};

/** What patchVersion did: the version it started from and the one that is current now. */
export interface Patched {
  before: Resource;
  after: Resource;
}

/** Applies the request's patch to `current` and stores the result as an update (inside the caller's transaction). */
export async function patchVersion(tx: Repository, current: Resource, req: FhirRequest, ifMatch: string | undefined): Promise<Patched> {
  const { resourceType: type, id } = current;
  if (type === 'Binary') throw fail('invalid', 'not-supported', 'PATCH cannot change a Binary: send its new content with PUT (raw, or a JSON Binary with base64 data)');
  const versionId = current.meta?.versionId;
  if (ifMatch !== undefined && ifMatch !== versionId) {
    throw preconditionFailed(`If-Match names version ${ifMatch} of ${type}/${id}, but the current version is ${versionId}`);
  }
  const { resource } = await tx.update(applyPatch(current, req.body, req.contentType), { ifMatch });
  return { before: current, after: resource };
}

/** 200 with the patched resource (Prefer: return applies), saying whether a new version was made. */
export function patchResult({ before, after }: Patched): FhirResult {
  const v = versionOf(after);
  const message = after.meta?.versionId === before.meta?.versionId
    ? `the patch changed nothing; ${v.type}/${v.id} stays at version ${v.versionId}`
    : `patched ${v.type}/${v.id} to version ${v.versionId}`;
  return { kind: 'ok', body: after, version: v, message };
}
