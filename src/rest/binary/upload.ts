/**
 * Raw Binary uploads (R4 http.html#binary): POST [base]/Binary and PUT [base]/Binary/[id] with a body
 * of any media type other than FHIR JSON. The body streams into the blob store (sniffed, hashed,
 * size-limited) and the Binary resource records its Content-Type; the answer is the resource, no data.
 */
import type { FhirRequest, FhirResult, RequestContext, Upload } from '../types';
import { fail, invalid } from '../../fhir/outcome';
import { assertValidId, parseVersionTag } from '../../fhir/ids';
import { versionOf } from '../version';
import type { HeldContent } from '../../binary/content';

/** create with a raw body: 201 with the Binary resource (without data). */
export async function createFromUpload(ctx: RequestContext, req: FhirRequest, upload: Upload): Promise<FhirResult> {
  if (req.headers.ifNoneExist !== undefined) throw invalid('a conditional create (If-None-Exist) of a Binary needs a JSON Binary body (application/fhir+json with base64 data)');
  const content = await receive(ctx, upload);
  const resource = await ctx.repo.create({ resourceType: 'Binary', contentType: upload.contentType }, { id: req.assignedId, content });
  return { kind: 'created', body: resource, version: versionOf(resource) };
}

/** update with a raw body: the new content becomes a new version (201 when it creates the Binary). */
export async function updateFromUpload(ctx: RequestContext, req: FhirRequest, upload: Upload): Promise<FhirResult> {
  const id = req.id as string;
  assertValidId(id, 'Binary.id');
  const ifMatch = parseVersionTag(req.headers.ifMatch);
  const content = await receive(ctx, upload);
  const result = await ctx.repo.update({ resourceType: 'Binary', id, contentType: upload.contentType }, { ifMatch, content });
  return { kind: result.created ? 'created' : 'ok', body: result.resource, version: versionOf(result.resource) };
}

/** Streams the body into the blob store; 413 before reading anything when the declared length is over the limit. */
function receive(ctx: RequestContext, upload: Upload): Promise<HeldContent> {
  const max = ctx.config.maxUploadBytes;
  if (upload.length !== undefined && upload.length > max) {
    throw fail('too-large', 'too-costly', `the body is ${upload.length} bytes, larger than the limit of ${max} bytes (RELAY_MAX_UPLOAD)`);
  }
  return ctx.repo.receiveContent(upload.content, upload.contentType);
}
