/** read (R4 http.html#read): GET [base]/[type]/[id], with conditional read (If-None-Match, If-Modified-Since → 304). */
import type { Handler } from './types';
import { assertKnownType } from './resource-type';
import { assertValidId } from '../fhir/ids';
import { notModified } from './conditional-read';
import { versionOf } from './version';
import { readBinaryContent } from './binary/read';

export const read: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  assertValidId(req.id as string);
  if (type === 'Binary') return readBinaryContent(ctx, req);
  const resource = await ctx.repo.read(type, req.id as string);
  const version = versionOf(resource);
  if (notModified(req.headers, version)) return { kind: 'not-modified', version };
  return { kind: 'ok', body: resource, version };
};
