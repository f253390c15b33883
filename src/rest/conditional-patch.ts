/**
 * conditional patch (R4 http.html#patch): PATCH [base]/[type]?[criteria]. One match: patched as by
 * PATCH [type]/[id] (rest/patch.ts; If-Match applies to it). None: 404. Several: 412. Match and
 * write are one guarded transaction, like a conditional update (race-safe).
 */
import type { Handler } from './types';
import { assertKnownType } from './resource-type';
import { parseVersionTag } from '../fhir/ids';
import { criteriaFromQuery } from './criteria';
import { patchMatching } from '../repository/conditional';
import { patchResult, patchVersion } from './patch';

export const conditionalPatch: Handler = async (ctx, req) => {
  const type = req.type as string;
  assertKnownType(type);
  const criteria = criteriaFromQuery(type, req.query, 'conditional patch');
  const ifMatch = parseVersionTag(req.headers.ifMatch);
  const patched = await patchMatching(ctx.repo, criteria, (tx, current) => patchVersion(tx, current, req, ifMatch));
  return patchResult(patched);
};
