/** create (R4 http.html#create): POST [base]/[type]; with If-None-Exist, a conditional create. */
import type { Handler } from './types';
import { assertKnownType, requireResourceBody } from './resource-type';
import { versionOf } from './version';
import { createIfNoneExist } from './conditional-create';
import { createFromUpload } from './binary/upload';

export const create: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  if (req.upload && type === 'Binary') return createFromUpload(ctx, req, req.upload);
  const body = requireResourceBody(req.body, type);
  if (req.headers.ifNoneExist !== undefined) return createIfNoneExist(ctx, body, req.headers.ifNoneExist, req.assignedId);
  const resource = await ctx.repo.create(body, { id: req.assignedId });
  return { kind: 'created', body: resource, version: versionOf(resource) };
};
