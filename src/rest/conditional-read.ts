/** Conditional read (R4 http.html#cread): If-None-Match and If-Modified-Since, shared by read and Binary read/vread. */
import { parseVersionTag } from '../fhir/ids';

/** True when the conditional read headers (If-None-Match, else If-Modified-Since) say the client's copy is current. */
export function notModified(headers: { ifNoneMatch?: string; ifModifiedSince?: string }, version: { versionId: string; lastUpdated: string }): boolean {
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
