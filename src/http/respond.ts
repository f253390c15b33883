/** Turns a FhirResult into the HTTP response: status, ETag, Last-Modified, Location, Prefer: return. */
import type { Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import type { FhirResult } from '../rest/types';
import { etag } from '../fhir/ids';
import { informational } from '../fhir/outcome';
import { RESULT_STATUS } from './status';
import type { Preferences } from '../fhir/prefer';

export interface ResponseOptions {
  baseUrl: string;
  mediaType: string;
  pretty: boolean;
  prefer: Preferences;
  /** Prefer: return applies to create, update and patch only. */
  honoursReturn: boolean;
}

export function sendResult(res: Response, result: FhirResult, options: ResponseOptions): void {
  const status = RESULT_STATUS[result.kind];
  res.status(status);
  const v = result.version;
  if (v) {
    res.setHeader('ETag', etag(v.versionId));
    res.setHeader('Last-Modified', new Date(v.lastUpdated).toUTCString());
    if (result.kind === 'created' || result.location) res.setHeader('Location', `${options.baseUrl}/${v.type}/${v.id}/_history/${v.versionId}`);
  }
  if (result.kind === 'not-modified') {
    res.end();
    return;
  }
  let body: Resource | undefined = result.body;
  if (options.honoursReturn && options.prefer.return === 'minimal') body = undefined;
  else if (options.honoursReturn && options.prefer.return === 'OperationOutcome') {
    body = informational(result.message ?? (v ? `${result.kind === 'created' ? 'created' : 'updated'} ${v.type}/${v.id} version ${v.versionId}` : 'done'));
  }
  sendBody(res, body, options);
}

/** Writes a resource as FHIR JSON (or nothing). */
export function sendBody(res: Response, body: Resource | undefined, options: Pick<ResponseOptions, 'mediaType' | 'pretty'>): void {
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', `${options.mediaType}; charset=utf-8`);
  res.send(options.pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body));
}
