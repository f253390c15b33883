/**
 * $package (Relay's OperationDefinition `package`, README "Consult workflow"): GET|POST
 * [base]/ServiceRequest/[id]/$package answers the whole consult as one `collection` Bundle, the unit
 * that is forwarded: the ServiceRequest first, then its Patient, requesters, Tasks and sub-Tasks,
 * intake QuestionnaireResponses and their Questionnaires, Media, Observations, Communications,
 * DiagnosticReports, Provenance and the other supportingInfo targets (consult/package/collect.ts).
 * Everything is read through the caller's repository: the package holds only what the caller may
 * read, and a ServiceRequest it may not read answers as its read does (403, 404 or 410).
 * The operation takes no input; a POST body, when sent, must be a Parameters resource.
 */
import type { ServiceRequest } from '@medplum/fhirtypes';
import { RELAY_CANONICAL_BASE } from '../conformance/package';
import { collectionBundle } from '../fhir/collection';
import { assertValidId } from '../fhir/ids';
import type { Handler } from '../rest/types';
import { collectPackage } from '../consult/package/collect';
import { repositorySource } from '../consult/package/source';
import { operationInput } from './input';
import type { OperationSpec } from './registry';

/** Most entries one package holds; a larger consult is a 422 too-costly, never a truncated package. */
export const MAX_PACKAGE_ENTRIES = 10_000;

const handler: Handler = async (ctx, req) => {
  const id = req.id as string;
  assertValidId(id);
  operationInput(req);
  const request = await ctx.repo.read<ServiceRequest>('ServiceRequest', id);
  const source = repositorySource(ctx.repo, ctx.access, { limit: MAX_PACKAGE_ENTRIES });
  const resources = await collectPackage(source, request, { baseUrl: ctx.baseUrl, maxEntries: MAX_PACKAGE_ENTRIES });
  return { kind: 'ok', body: collectionBundle(resources, ctx.baseUrl, ctx.now()) };
};

export const packageOperation: OperationSpec = {
  name: 'package',
  definition: `${RELAY_CANONICAL_BASE}/OperationDefinition/package`,
  types: ['ServiceRequest'],
  levels: ['instance'],
  affectsState: false,
  handler,
};
