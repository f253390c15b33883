/**
 * conditional update (R4 http.html#cond-update): PUT [base]/[type]?[criteria]. One match: updated
 * (the body's id, if any, must be the match's; If-Match applies to it). No match: created (201),
 * under the body's id when it has one (update-as-create, as HAPI does), unless that id exists
 * without matching (409). Several: 412. Match and write are one guarded transaction (race-safe).
 */
import type { Handler } from './types';
import { assertKnownType, requireResourceBody } from './resource-type';
import { assertValidId, parseVersionTag } from '../fhir/ids';
import { invalid } from '../fhir/outcome';
import { criteriaFromQuery } from './criteria';
import { updateMatching } from '../repository/conditional';
import { versionOf } from './version';

export const conditionalUpdate: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  const criteria = criteriaFromQuery(type, req.query, 'conditional update');
  const resource = requireResourceBody(req.body, type);
  if (resource.id !== undefined) {
    if (typeof resource.id !== 'string') throw invalid('the body\'s id must be a string', `${type}.id`);
    assertValidId(resource.id, `${type}.id`);
  }
  const result = await updateMatching(ctx.repo, resource, criteria, { ifMatch: parseVersionTag(req.headers.ifMatch) });
  return { kind: result.created ? 'created' : 'ok', body: result.resource, version: versionOf(result.resource) };
};
