/**
 * Turns each Bundle.entry of a batch or transaction into the FhirRequest the HTTP edge would have
 * built for the same interaction (R4 http.html#transaction): method and URL select the interaction
 * (./match.ts), entry.request carries the conditional headers, entry.resource the body.
 */
import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import type { FhirRequest } from '../types';
import type { Interaction } from '../interactions';
import { fail, invalid } from '../../fhir/outcome';
import { parseEntryUrl } from './url';
import { matchRoute } from './match';
import { JSON_PATCH } from '../../patch/index';

export const ENTRY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type EntryMethod = (typeof ENTRY_METHODS)[number];

/** The media type an entry's resource has: FHIR JSON, as the Bundle itself. */
const FHIR_JSON = 'application/fhir+json';

/** One entry, ready to run: where it is, what it asks, and the handler that serves it. */
export interface PreparedEntry {
  /** Position in Bundle.entry: responses keep this order and errors point at `Bundle.entry[index]`. */
  index: number;
  fullUrl?: string;
  method: EntryMethod;
  /** request.url as sent, for messages. */
  url: string;
  interaction: Interaction;
  request: FhirRequest;
}

/** The expression of an element of entry `index`: `Bundle.entry[3].request.url`. */
export function entryPath(index: number, element?: string): string {
  return element ? `Bundle.entry[${index}].${element}` : `Bundle.entry[${index}]`;
}

/**
 * Reads entry `index` into a PreparedEntry; throws a 400 (404 or 405 for a URL no interaction
 * serves) pointing at the offending element. `prefer` is the Prefer header of the whole request.
 */
export function prepareEntry(entry: unknown, index: number, context: { baseUrl: string; prefer?: string; interactions: readonly Interaction[] }): PreparedEntry {
  if (!isObject(entry)) throw invalid('an entry must be a JSON object', entryPath(index));
  const { request, fullUrl } = entry as BundleEntry;
  if (!isObject(request)) throw invalid('the entry has no request: in a batch or transaction each entry says what to do with request.method and request.url', entryPath(index, 'request'));
  if (fullUrl !== undefined && typeof fullUrl !== 'string') throw invalid('fullUrl must be a string', entryPath(index, 'fullUrl'));
  const method = request.method as unknown;
  if (typeof method !== 'string' || !(ENTRY_METHODS as readonly string[]).includes(method)) {
    throw invalid(`request.method must be one of ${ENTRY_METHODS.join(', ')}`, entryPath(index, 'request.method'));
  }
  const entryMethod = method as EntryMethod;
  const url = request.url as unknown;
  if (typeof url !== 'string') throw invalid('the entry has no request.url naming what it acts on, e.g. "Patient" or "Patient/123"', entryPath(index, 'request.url'));
  const { segments, query } = parseEntryUrl(url, context.baseUrl, entryPath(index, 'request.url'));
  const found = matchRoute(context.interactions, entryMethod, segments);
  const at = entryPath(index, 'request.url');
  if (found === undefined) throw fail('not-found', 'not-supported', `no FHIR interaction at ${entryMethod} ${url}`, at);
  if ('allowed' in found) throw fail('method-not-allowed', 'not-supported', `${entryMethod} is not supported at ${url}; allowed: ${found.allowed.join(', ')}`, at);
  const { interaction, params } = found;
  if (interaction.code === 'batch' || interaction.code === 'transaction') {
    throw invalid('a batch or transaction cannot contain another batch or transaction', at);
  }
  const headers: FhirRequest['headers'] = {
    ifMatch: optionalString(request.ifMatch, index, 'ifMatch'),
    ifNoneMatch: optionalString(request.ifNoneMatch, index, 'ifNoneMatch'),
    ifModifiedSince: optionalString(request.ifModifiedSince, index, 'ifModifiedSince'),
    ifNoneExist: optionalString(request.ifNoneExist, index, 'ifNoneExist'),
    prefer: context.prefer,
    // An entry's answer is always a resource: a Binary read in a Bundle is the Binary resource.
    accept: 'application/fhir+json',
  };
  const prepared: FhirRequest = { method: entryMethod, type: params.type, id: params.id, versionId: params.versionId, query, headers, ...bodyOf(entry as BundleEntry, entryMethod, index) };
  return { index, fullUrl, method: entryMethod, url, interaction, request: prepared };
}

/** POST and PUT take entry.resource; PATCH a Binary holding a JSON Patch, or a FHIRPath Patch Parameters. */
function bodyOf(entry: BundleEntry, method: EntryMethod, index: number): Pick<FhirRequest, 'body' | 'contentType'> {
  const resource = entry.resource as unknown;
  if (method === 'POST' || method === 'PUT') {
    if (resource === undefined) throw invalid(`a ${method} entry needs the resource in entry.resource`, entryPath(index, 'resource'));
    return { body: resource, contentType: FHIR_JSON };
  }
  if (method !== 'PATCH') return {};
  const at = entryPath(index, 'resource');
  if (!isObject(resource)) throw invalid('a PATCH entry needs entry.resource: a Binary holding a JSON Patch, or a Parameters resource (FHIRPath Patch)', at);
  const patch = resource as unknown as Resource;
  if (patch.resourceType === 'Parameters') return { body: patch, contentType: FHIR_JSON };
  if (patch.resourceType !== 'Binary') throw invalid(`a PATCH entry's resource must be a Binary (JSON Patch) or a Parameters (FHIRPath Patch), not ${JSON.stringify(patch.resourceType)}`, `${at}.resourceType`);
  if (patch.contentType?.split(';')[0].trim().toLowerCase() !== JSON_PATCH) {
    throw invalid(`a Binary in a PATCH entry must have contentType ${JSON_PATCH}`, `${at}.contentType`);
  }
  if (typeof patch.data !== 'string') throw invalid('the Binary has no data: the JSON Patch, base64-encoded', `${at}.data`);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(patch.data, 'base64').toString('utf8'));
  } catch (err) {
    throw invalid(`the Binary's data is not a base64-encoded JSON Patch: ${(err as Error).message}`, `${at}.data`);
  }
  return { body, contentType: JSON_PATCH };
}

function optionalString(value: unknown, index: number, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`request.${name} must be a string`, entryPath(index, `request.${name}`));
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
