/**
 * Turns a FhirResult into the HTTP response: status, ETag, Last-Modified, Location, Prefer: return;
 * raw content streamed, and so are large Bundles (stream-json.ts).
 */
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { ContentAnswer, FhirResult } from '../rest/types';
import { resultMeta, returnedBody } from '../rest/status';
import type { Preferences } from '../fhir/prefer';
import { isLargeBundle, streamJson } from './stream-json';

export interface ResponseOptions {
  baseUrl: string;
  mediaType: string;
  pretty: boolean;
  prefer: Preferences;
  /** Prefer: return applies to create, update and patch only. */
  honoursReturn: boolean;
  /** A HEAD request: headers only. */
  head?: boolean;
}

/**
 * Sends a handler's result: status and version headers (rest/status.ts), then the body as Prefer:
 * return asks, or the raw content; resolves when the content has been sent.
 */
export async function sendResult(res: Response, result: FhirResult, options: ResponseOptions): Promise<void> {
  const meta = resultMeta(result, options.baseUrl);
  res.status(meta.status);
  if (meta.etag) res.setHeader('ETag', meta.etag);
  if (meta.lastModified) res.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString());
  if (meta.location) res.setHeader('Location', meta.location);
  if (result.kind === 'not-modified') {
    res.end();
    return;
  }
  if (result.unsatisfiedSize !== undefined) res.setHeader('Content-Range', `bytes */${result.unsatisfiedSize}`);
  if (result.content) return sendContent(res, result.content, options.head === true);
  const body = options.honoursReturn ? returnedBody(result, options.prefer.return) : result.body;
  if (!options.pretty && !options.head && isLargeBundle(body)) {
    res.setHeader('Content-Type', `${options.mediaType}; charset=utf-8`);
    return streamJson(res, body as unknown as Record<string, unknown>, result.completeEntry);
  }
  sendBody(res, result.completeEntry ? await completed(body as Bundle, result.completeEntry) : body, options);
}

/** `bundle` with every entry completed (a Bundle sent whole: small, or pretty-printed). */
async function completed(bundle: Bundle, complete: NonNullable<FhirResult['completeEntry']>): Promise<Bundle> {
  const entry: BundleEntry[] = [];
  for (const [index, e] of (bundle.entry ?? []).entries()) entry.push(await complete(e, index));
  return { ...bundle, entry };
}

/** Streams raw content (a Binary read as its own media type), whole or one range. */
async function sendContent(res: Response, content: ContentAnswer, head: boolean): Promise<void> {
  const { range, size } = content;
  // Opened before any header is set: if it fails, the error handler still sends a clean OperationOutcome.
  const stream = head ? undefined : await content.open();
  res.setHeader('Content-Type', content.contentType);
  res.setHeader('Accept-Ranges', 'bytes');
  // Stored content is the client's, not Relay's: browsers must not reinterpret it as another type.
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : size));
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  if (!stream) {
    res.end();
    return;
  }
  try {
    await pipeline(stream, res);
  } catch {
    // The client went away, or the content could not be read: the status is sent, so end the connection.
    stream.destroy();
    res.destroy();
  }
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
