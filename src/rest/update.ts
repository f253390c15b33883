/**
 * update (R4 http.html#update): PUT [base]/[type]/[id]. The body's id must equal the URL's; an
 * unknown id creates the resource (update-as-create, 201); If-Match makes it a version-aware update.
 */
import type { Handler } from './types';
import { assertKnownType, requireResourceBody } from './resource-type';
import { assertValidId, parseVersionTag } from '../fhir/ids';
import { invalid } from '../fhir/outcome';
import { versionOf } from './version';
import { updateFromUpload } from './binary/upload';

export const update: Handler = async (ctx, req) => {
  const type = req.type as string;
  const id = req.id as string;
  assertKnownType(type);
  assertValidId(id, `${type}.id`);
  if (req.upload && type === 'Binary') return updateFromUpload(ctx, req, req.upload);
  const resource = requireResourceBody(req.body, type);
  if (resource.id === undefined) throw invalid(`the body has no id; it must be "${id}" as in the URL`, `${type}.id`);
  if (resource.id !== id) throw invalid(`the body's id "${resource.id}" differs from the id "${id}" in the URL`, `${type}.id`);
  const result = await ctx.repo.update(resource, { ifMatch: parseVersionTag(req.headers.ifMatch) });
  return { kind: result.created ? 'created' : 'ok', body: result.resource, version: versionOf(result.resource) };
};
