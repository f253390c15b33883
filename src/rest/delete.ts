/**
 * delete (R4 http.html#delete): DELETE [base]/[type]/[id]. Deleting a resource that is absent or
 * already deleted succeeds and changes nothing (the spec allows 200 or 204; Relay answers 200 with
 * an OperationOutcome saying what happened, as HAPI does).
 */
import type { Handler } from './types';
import { assertKnownType } from './resource-type';
import { assertValidId } from '../fhir/ids';
import { informational } from '../fhir/outcome';

export const remove: Handler = async (ctx, req) => {
  const type = req.type as string;
  const id = req.id as string;
  assertKnownType(type);
  assertValidId(id);
  const result = await ctx.repo.delete(type, id);
  if (result.versionId === undefined) {
    return { kind: 'ok', body: informational(`${type}/${id} does not exist or is already deleted; nothing changed`) };
  }
  return {
    kind: 'ok',
    body: informational(`deleted ${type}/${id} (version ${result.versionId})`),
    version: { type, id, versionId: result.versionId, lastUpdated: result.lastUpdated as string },
  };
};
