/** read (R4 http.html#read): GET [base]/[type]/[id], with conditional read (If-None-Match, If-Modified-Since → 304). */
import type { Handler } from './types';
import { assertKnownType } from './resource-type';
import { assertValidId, parseVersionTag } from '../fhir/ids';
import { versionOf } from './version';

export const read: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  assertValidId(req.id as string);
  const resource = await ctx.repo.read(type, req.id as string);
  const version = versionOf(resource);
  if (notModified(req.headers, version)) return { kind: 'not-modified', version };
  return { kind: 'ok', body: resource, version };
};

function notModified(headers: { ifNoneMatch?: string; ifModifiedSince?: string }, version: { versionId: string; lastUpdated: string }): boolean {
  if (headers.ifNoneMatch !== undefined) {
    return headers.ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || safeTag(tag) === version.versionId);
  }
  if (headers.ifModifiedSince !== undefined) {
    const since = Date.parse(headers.ifModifiedSince);
    // HTTP dates have second precision: compare whole seconds.
    return !Number.isNaN(since) && Math.floor(Date.parse(version.lastUpdated) / 1000) * 1000 <= since;
  }
  return false;
}

function safeTag(tag: string): string | undefined {
  try {
    return parseVersionTag(tag);
  } catch {
    return undefined;
  }
}
