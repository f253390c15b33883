/**
 * The one place that decides status codes: from a result kind or a failure kind, and the status,
 * Location, ETag and Last-Modified of a FhirResult. http/ sends them as an HTTP response; a
 * batch or transaction writes them into Bundle.entry.response (R4 bundle.html#Bundle.entry.response).
 */
import { STATUS_CODES } from 'node:http';
import type { FailureKind } from '../fhir/outcome';
import type { FhirResult, ResultKind } from './types';
import type { Resource } from '@medplum/fhirtypes';
import { etag } from '../fhir/ids';
import { informational } from '../fhir/outcome';
import type { Preferences } from '../fhir/prefer';

export const FAILURE_STATUS: Record<FailureKind, number> = {
  invalid: 400,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'not-acceptable': 406,
  conflict: 409,
  gone: 410,
  'precondition-failed': 412,
  'too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  internal: 500,
  'not-implemented': 501,
  unavailable: 503,
};

export const RESULT_STATUS: Record<ResultKind, number> = {
  ok: 200,
  created: 201,
  'not-modified': 304,
  'partial-content': 206,
  'range-not-satisfiable': 416,
};

/** What a result says besides its body: status, and for a resource version its ETag, Location and time. */
export interface ResultMeta {
  status: number;
  /** `[base]/[type]/[id]/_history/[vid]`, sent for a creation (or a conditional create that matched). */
  location?: string;
  /** Weak ETag of the version: W/"3". */
  etag?: string;
  /** meta.lastUpdated of the version (a FHIR instant; http/ formats it as an HTTP date). */
  lastModified?: string;
}

/** The status and version facts of a result, shared by the HTTP response and Bundle.entry.response. */
export function resultMeta(result: FhirResult, baseUrl: string): ResultMeta {
  const meta: ResultMeta = { status: RESULT_STATUS[result.kind] };
  const v = result.version;
  if (v) {
    meta.etag = etag(v.versionId);
    meta.lastModified = v.lastUpdated;
    if (result.kind === 'created' || result.location) meta.location = `${baseUrl}/${v.type}/${v.id}/_history/${v.versionId}`;
  }
  return meta;
}

/** A status with its reason phrase, as Bundle.entry.response.status carries it: "201 Created". */
export function statusText(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

/**
 * The body a create, update or patch answers with under `Prefer: return` (R4 http.html#ops):
 * nothing for minimal, an OperationOutcome saying what happened, or the resource (the default).
 */
export function returnedBody(result: FhirResult, preferred: Preferences['return']): Resource | undefined {
  if (preferred === 'minimal') return undefined;
  if (preferred !== 'OperationOutcome') return result.body;
  const v = result.version;
  return informational(result.message ?? (v ? `${result.kind === 'created' ? 'created' : 'updated'} ${v.type}/${v.id} version ${v.versionId}` : 'done'));
}
