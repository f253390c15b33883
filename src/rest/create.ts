/** create (R4 http.html#create): POST [base]/[type]. */
import type { Handler } from './types';
import { assertKnownType, requireResourceBody } from './resource-type';
import { versionOf } from './version';

export const create: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  const resource = await ctx.repo.create(requireResourceBody(req.body, type));
  return { kind: 'created', body: resource, version: versionOf(resource) };
};
