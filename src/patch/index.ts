/**
 * PATCH content (R4 http.html#patch): a JSON Patch (RFC 6902) when the media type is
 * application/json-patch+json, otherwise a FHIRPath Patch (a Parameters resource in FHIR JSON).
 * Pure: takes the current resource and returns the patched copy, which must keep its type and id.
 */
import type { Resource } from '@medplum/fhirtypes';
import { fail, invalid } from '../fhir/outcome';
import { applyJsonPatch } from './json-patch';
import { applyFhirPathPatch } from './fhirpath-patch';
import { isParameters } from './fhirpath-operations';
import { isObject } from './fhirpath-values';

/** The media type of a JSON Patch document. */
export const JSON_PATCH = 'application/json-patch+json';

/** Media types a FHIRPath Patch (a Parameters resource) may come in. */
const FHIR_JSON_TYPES: ReadonlySet<string> = new Set(['application/fhir+json', 'application/json', 'application/json+fhir', 'text/json', 'json']);

/**
 * Applies `body` to a copy of `resource`: JSON Patch when `contentType` (lowercased, without
 * parameters) is application/json-patch+json, FHIRPath Patch when `body` is a Parameters resource.
 * Throws 415 for other media types, 400 for a malformed patch or one that changes the resource's
 * type or id, 422 for a patch that cannot apply to this resource.
 */
export function applyPatch(resource: Resource, body: unknown, contentType: string | undefined): Resource {
  if (body === undefined || body === null) throw invalid('PATCH needs a body: a JSON Patch (application/json-patch+json) or a FHIRPath Patch Parameters resource');
  let patched: unknown;
  if (contentType === JSON_PATCH) {
    patched = applyJsonPatch(resource, body);
  } else if (contentType !== undefined && !FHIR_JSON_TYPES.has(contentType)) {
    throw fail('unsupported-media-type', 'not-supported', `PATCH takes ${JSON_PATCH} (JSON Patch) or application/fhir+json (FHIRPath Patch), not ${contentType}`);
  } else if (isParameters(body)) {
    patched = applyFhirPathPatch(resource, body);
  } else if (Array.isArray(body)) {
    throw invalid(`the body is a JSON array, as a JSON Patch is, but its Content-Type is ${contentType ?? 'not given'}; send a JSON Patch as ${JSON_PATCH}`);
  } else {
    throw invalid('a PATCH in FHIR JSON must be a FHIRPath Patch: a Parameters resource', 'resourceType');
  }
  assertSameResource(resource, patched);
  return patched;
}

/** A patch may change content, but not what the resource is: its type and its id stay. */
function assertSameResource(before: Resource, after: unknown): asserts after is Resource {
  if (!isObject(after)) throw invalid(`the patch turns the ${before.resourceType} into something that is not a resource`);
  if (after.resourceType !== before.resourceType) {
    throw invalid(`the patch changes resourceType from ${before.resourceType} to ${JSON.stringify(after.resourceType)}; a patch cannot change a resource's type`, 'resourceType');
  }
  if (after.id !== before.id) {
    throw invalid(`the patch changes the id of ${before.resourceType}/${before.id} to ${JSON.stringify(after.id)}; a patch cannot change a resource's id`, `${before.resourceType}.id`);
  }
}
