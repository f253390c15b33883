/** The version facts of a stored resource that drive ETag, Last-Modified and Location. */
import type { Resource } from '@medplum/fhirtypes';
import type { FhirResult } from './types';

export function versionOf(resource: Resource): NonNullable<FhirResult['version']> {
  return {
    type: resource.resourceType,
    id: resource.id as string,
    versionId: resource.meta?.versionId as string,
    lastUpdated: resource.meta?.lastUpdated as string,
  };
}
