/**
 * Binary read and vread (R4 http.html#binary): the raw content in its own media type — whole, or one
 * range (206; 416 when unsatisfiable) — or, for a client asking for FHIR JSON, the Binary resource
 * with base64 data up to RELAY_BINARY_INLINE_MAX. If-None-Match and If-Modified-Since answer 304.
 */
import { Readable } from 'node:stream';
import type { Binary } from '@medplum/fhirtypes';
import type { FhirRequest, FhirResult, RequestContext } from '../types';
import { issue, outcome } from '../../fhir/outcome';
import { versionOf } from '../version';
import { notModified } from '../conditional-read';
import { binaryAnswer } from '../../binary/negotiate';
import { ifRangeHolds, parseRange } from '../../binary/range';

/** Reads the current version (no `req.versionId`) or one version of a Binary. */
export async function readBinaryContent(ctx: RequestContext, req: FhirRequest): Promise<FhirResult> {
  const { resource, blob } = await ctx.repo.readBinary(req.id as string, req.versionId);
  const binary = resource as Binary;
  const version = versionOf(binary);
  const answer = binaryAnswer(req.headers.accept, req.query._format?.[0], binary.contentType);
  if (notModified(req.headers, version)) return { kind: 'not-modified', version };
  // A Binary written before content went to the blob store keeps its data inline.
  const inline = !blob && binary.data !== undefined ? Buffer.from(binary.data, 'base64') : undefined;
  const size = blob?.size ?? inline?.length ?? 0;
  const of = { reference: `Binary/${version.id}/_history/${version.versionId}`, earlier: req.versionId !== undefined };
  if (answer === 'resource') {
    if (!blob || size > ctx.config.binaryInlineMaxBytes) return { kind: 'ok', body: binary, version };
    const data = await readAll(await ctx.repo.openContent(blob, undefined, of));
    return { kind: 'ok', body: { ...binary, data: data.toString('base64') }, version };
  }
  const wanted = ifRangeHolds(req.headers.ifRange, version.lastUpdated) ? parseRange(req.headers.range, size) : ({ kind: 'all' } as const);
  if (wanted.kind === 'unsatisfiable') {
    const text = `the Range ${req.headers.range} cannot be served: the content of Binary/${version.id} is ${size} bytes`;
    return { kind: 'range-not-satisfiable', body: outcome([issue('error', 'invalid', text)]), version, unsatisfiedSize: size };
  }
  const range = wanted.kind === 'part' ? wanted.range : undefined;
  const open = () => {
    if (blob && size > 0) return ctx.repo.openContent(blob, range, of);
    const bytes = inline && range ? inline.subarray(range.start, range.end + 1) : (inline ?? Buffer.alloc(0));
    return Promise.resolve(Readable.from([bytes]));
  };
  return { kind: range ? 'partial-content' : 'ok', version, content: { contentType: binary.contentType, size, range, open } };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
