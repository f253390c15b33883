/**
 * conditional delete (R4 http.html#3.1.0.7.1): DELETE [base]/[type]?[criteria]. Answers like the
 * plain delete (rest/delete.ts): 200 with an OperationOutcome, also when nothing matched. Several
 * matches: 412, unless RELAY_CONDITIONAL_DELETE_MULTIPLE allows deleting them all (at most
 * MAX_CONDITIONAL_DELETE, in one transaction).
 */
import type { Handler } from './types';
import { assertKnownType } from './resource-type';
import { informational, issue, outcome } from '../fhir/outcome';
import { criteriaFromQuery } from './criteria';
import { deleteMatching } from '../repository/conditional';

export const conditionalDelete: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  const criteria = criteriaFromQuery(type, req.query, 'conditional delete');
  const deleted = await deleteMatching(ctx.repo, criteria, { multiple: ctx.config.conditionalDeleteMultiple });
  if (deleted.length === 0) return { kind: 'ok', body: informational(`no ${type} matches ${criteria.canonical}; nothing was deleted`) };
  if (deleted.length === 1) {
    const [{ id, versionId, lastUpdated }] = deleted;
    return { kind: 'ok', body: informational(`deleted ${type}/${id} (version ${versionId}), the ${type} matching ${criteria.canonical}`), version: { type, id, versionId, lastUpdated } };
  }
  const each = deleted.map((d) => issue('information', 'informational', `deleted ${type}/${d.id} (version ${d.versionId})`));
  return { kind: 'ok', body: outcome([issue('information', 'informational', `deleted ${deleted.length} ${type} resources matching ${criteria.canonical}`), ...each]) };
};
