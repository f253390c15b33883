/**
 * conditional create (R4 http.html#ccreate): POST [base]/[type] with `If-None-Exist: [criteria]`.
 * No match: created (201). One match: nothing is created; 200 with that resource, its ETag and
 * Location. Several: 412. The match and the create are one guarded transaction (race-safe).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { FhirResult, RequestContext } from './types';
import { criteriaFromHeader } from './criteria';
import { createUnlessMatched } from '../repository/conditional';
import { versionOf } from './version';

/** Creates `resource` (under `assignedId` when the server chose one) unless the If-None-Exist criteria (`header`) match an existing one. */
export async function createIfNoneExist(ctx: RequestContext, resource: Resource, header: string, assignedId?: string): Promise<FhirResult> {
  const criteria = criteriaFromHeader(resource.resourceType, header);
  const result = await createUnlessMatched(ctx.repo, resource, criteria, { id: assignedId });
  const version = versionOf(result.resource);
  if (result.created) return { kind: 'created', body: result.resource, version };
  const message = `${version.type}/${version.id} (version ${version.versionId}) matches If-None-Exist ${criteria.canonical}; nothing was created`;
  return { kind: 'ok', body: result.resource, version, location: true, message };
}
