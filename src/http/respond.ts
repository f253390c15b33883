/** Turns a FhirResult into the HTTP response: status, ETag, Last-Modified, Location, Prefer: return. */
import type { Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import type { FhirResult } from '../rest/types';
import { resultMeta, returnedBody } from '../rest/status';
import type { Preferences } from '../fhir/prefer';

export interface ResponseOptions {
  baseUrl: string;
  mediaType: string;
  pretty: boolean;
  prefer: Preferences;
  /** Prefer: return applies to create, update and patch only. */
  honoursReturn: boolean;
}

/** Sends a handler's result: status and version headers (rest/status.ts), then the body as Prefer: return asks. */
export function sendResult(res: Response, result: FhirResult, options: ResponseOptions): void {
  const meta = resultMeta(result, options.baseUrl);
  res.status(meta.status);
  if (meta.etag) res.setHeader('ETag', meta.etag);
  if (meta.lastModified) res.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString());
  if (meta.location) res.setHeader('Location', meta.location);
  if (result.kind === 'not-modified') {
    res.end();
    return;
  }
  const body = options.honoursReturn ? returnedBody(result, options.prefer.return) : result.body;
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
