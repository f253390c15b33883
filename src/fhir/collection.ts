/**
 * A `collection` Bundle (R4 bundle.html): the answer of operations that return several resources
 * ($submit, $package, $escalate). Each entry's fullUrl is the resource's URL on this server.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';

export function collectionBundle(resources: readonly Resource[], baseUrl: string, at: Date): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: at.toISOString(),
    entry: resources.map((resource) => ({ fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource })),
  };
}
