/**
 * $validate (R4 resource-operation-validate.html): POST [type]/$validate and POST|GET
 * [type]/[id]/$validate. The body is the resource or a Parameters with `resource`, `mode`
 * (create | update | delete) and `profile`. The answer is always 200 with an OperationOutcome (its
 * issues, or one information issue when there are none); only a request that cannot be validated at
 * all (no resource, a wrong type, an unknown mode) is a 4xx. Nothing is ever written.
 *
 * - create (the default at type level): the checks a create runs (validation and attachment
 *   integrity); an id in the body is ignored.
 * - update (the default at instance level): the checks an update runs; the body's id must be the
 *   URL's, and without a body the stored current version is validated (e.g. after a profile changed).
 * - delete: whether the resource may be deleted (it must exist and not be read-only).
 */
import type { Resource } from '@medplum/fhirtypes';
import { RELAY_CANONICAL_BASE } from '../conformance/package';
import { OperationOutcomeError, invalid, issue, outcome, type Issue } from '../fhir/outcome';
import { assertKnownType, requireResourceBody } from '../rest/resource-type';
import type { Handler, RequestContext } from '../rest/types';
import { operationInput } from './input';
import type { OperationSpec } from './registry';

const MODES = ['create', 'update', 'delete'] as const;
type Mode = (typeof MODES)[number];

const handler: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  const input = operationInput(req, 'resource');
  const mode = parseMode(input.one('mode'), req.id !== undefined);
  const profile = input.one('profile');
  const profiles = profile === undefined ? [] : [profile];
  const given = input.resource('resource');
  if (given && given !== req.body && given.resourceType !== type) {
    throw invalid(`the "resource" parameter holds a ${JSON.stringify(given.resourceType)}, but the URL is for ${type}`, 'Parameters.parameter.resource');
  }
  const issues = mode === 'delete' ? await deleteIssues(ctx, type, req.id) : await contentIssues(ctx, type, req.id, mode, given, profiles);
  return { kind: 'ok', body: outcome(issues.length ? issues : [issue('information', 'informational', 'No issues found: the resource is valid')]) };
};

function parseMode(mode: string | undefined, instance: boolean): Mode {
  if (mode === undefined) return instance ? 'update' : 'create';
  if (!(MODES as readonly string[]).includes(mode)) throw invalid(`mode must be one of ${MODES.join(', ')}, not ${JSON.stringify(mode)}`, 'mode');
  if (mode !== 'create' && !instance) throw invalid(`mode ${mode} validates an existing resource: use [type]/[id]/$validate`, 'mode');
  return mode as Mode;
}

async function contentIssues(ctx: RequestContext, type: string, id: string | undefined, mode: Mode, given: Resource | undefined, profiles: string[]): Promise<Issue[]> {
  let resource: Resource;
  if (given) {
    resource = requireResourceBody(given, type);
    if (mode === 'update' && resource.id !== id) {
      throw invalid(`the resource's id (${JSON.stringify(resource.id ?? null)}) must be the id in the URL (${id}) for mode update`, `${type}.id`);
    }
  } else {
    if (mode === 'create' || id === undefined) throw invalid(`$validate needs a ${type} to validate: send it as the body or as the "resource" parameter`, 'resource');
    resource = await ctx.repo.read(type, id);
  }
  const checked = mode === 'create' ? withoutId(resource) : resource;
  const issues = [...(await ctx.repo.validate(checked, profiles)), ...(await ctx.repo.attachmentIssues(checked))];
  if (mode === 'update') issues.push(...writableIssues(ctx, type, id));
  return issues;
}

async function deleteIssues(ctx: RequestContext, type: string, id: string | undefined): Promise<Issue[]> {
  await ctx.repo.read(type, id as string);
  return writableIssues(ctx, type, id);
}

function writableIssues(ctx: RequestContext, type: string, id: string | undefined): Issue[] {
  try {
    ctx.repo.assertWritable(type, id);
    return [];
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
}

function withoutId(resource: Resource): Resource {
  const { id: _id, ...rest } = resource;
  return rest as Resource;
}

export const validateOperation: OperationSpec = {
  name: 'validate',
  definition: `${RELAY_CANONICAL_BASE}/OperationDefinition/validate`,
  types: 'all',
  levels: ['type', 'instance'],
  affectsState: false,
  handler,
};
