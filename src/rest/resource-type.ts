/** Checks on the resource type and body that every instance-level interaction shares. */
import type { Resource } from '@medplum/fhirtypes';
import { isResourceType } from '../validation/definitions';
import { fail, invalid } from '../fhir/outcome';

/** 404 for a type that R4 does not define (R4 http.html: unknown resource type). */
export function assertKnownType(type: string): void {
  if (!isResourceType(type)) throw fail('not-found', 'not-supported', `"${type}" is not an R4 resource type`);
}

/** The body must be a JSON object whose resourceType matches the URL's type. */
export function requireResourceBody(body: unknown, type: string): Resource {
  if (body === undefined) throw invalid(`the request needs a ${type} resource as its body`);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('the body must be a JSON object (a FHIR resource)');
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (resourceType === undefined) throw invalid('the body has no resourceType', 'resourceType');
  if (resourceType !== type) {
    throw invalid(`the body is a ${JSON.stringify(resourceType)} but the URL is for ${type}`, 'resourceType');
  }
  return body as Resource;
}
