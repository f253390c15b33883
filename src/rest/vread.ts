/** vread (R4 http.html#vread): GET [base]/[type]/[id]/_history/[vid]. */
import type { Handler } from './types';
import { assertKnownType } from './resource-type';
import { assertValidId } from '../fhir/ids';
import { versionOf } from './version';
import { readBinaryContent } from './binary/read';

export const vread: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  assertValidId(req.id as string);
  if (type === 'Binary') return readBinaryContent(ctx, req);
  const resource = await ctx.repo.vread(type, req.id as string, req.versionId as string);
  return { kind: 'ok', body: resource, version: versionOf(resource) };
};
