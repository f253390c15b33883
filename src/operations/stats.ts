/**
 * $stats (Relay's OperationDefinition `stats`): GET|POST [base]/ServiceRequest/$stats?start=&end=.
 * Turnaround of the consults submitted in [start, end): count, median and 90th percentile of the
 * time to first action and to completion, and how many are overdue, overall and by specialty,
 * specialist and priority (definitions and answer shape: README "Consult workflow", "$stats").
 *
 * Everything is read through the caller's repository, so a restricted caller's figures cover only
 * the consults it may see: one pass over the Task type history (paged, newest first), then the
 * ServiceRequests of the counted consults by `_id` in a few searches.
 */
import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import { RELAY_CANONICAL_BASE } from '../conformance/package';
import { requireDateRange } from '../fhir/dates';
import { fail, invalid } from '../fhir/outcome';
import type { Repository } from '../repository/repository';
import type { HistoryCursor } from '../repository/history-cursor';
import type { Handler } from '../rest/types';
import { parseSearch } from '../search/parse/index';
import { statsParameters } from '../consult/stats/answer';
import { consultsIn, essentials, type SubmissionRange, type TaskVersion } from '../consult/stats/consults';
import { turnaroundGroups } from '../consult/stats/groups';
import { operationInput } from './input';
import type { OperationSpec } from './registry';

/** Task versions read per history page. */
const HISTORY_PAGE = 1_000;
/** ServiceRequest ids per `_id` search. */
const ID_BATCH = 200;

const handler: Handler = async (ctx, req) => {
  const input = operationInput(req);
  // An unencoded '+' of a zone arrives as a space; the answer echoes the value as FHIR writes it.
  const start = input.one('start')?.trim().replace(/ (\d{2}:\d{2})$/, '+$1');
  const end = input.one('end')?.trim().replace(/ (\d{2}:\d{2})$/, '+$1');
  const range: SubmissionRange = {};
  if (start !== undefined) range.startMs = requireDateRange(start, 'start').startMs;
  if (end !== undefined) range.endMs = requireDateRange(end, 'end').startMs;
  if (range.startMs !== undefined && range.endMs !== undefined && range.endMs < range.startMs) {
    throw invalid(`end (${end}) is before start (${start}): the range holds consults submitted at or after start and before end`, 'end');
  }
  if (!ctx.access.canReadType('Task') || !ctx.access.canReadType('ServiceRequest')) {
    throw fail('forbidden', 'forbidden', `$stats reads the history of consult Tasks and their ServiceRequests, which ${ctx.access.actor.display} may not read`);
  }
  const now = ctx.now();
  const consults = consultsIn((await taskVersions(ctx.repo)).values(), ctx.baseUrl, range);
  const requests = await serviceRequests(ctx.repo, consults.map((c) => c.request));
  const groups = turnaroundGroups(consults, requests, now.getTime());
  return { kind: 'ok', body: statsParameters(groups, { start, end, now }) };
};

/** Every Task version the caller may see, by Task id, in one paged pass over the type history. */
async function taskVersions(repo: Repository): Promise<Map<string, TaskVersion[]>> {
  const byTask = new Map<string, TaskVersion[]>();
  let cursor: HistoryCursor | undefined;
  for (;;) {
    const page = await repo.history({ type: 'Task', count: HISTORY_PAGE, cursor });
    for (const doc of page.entries) {
      const version: TaskVersion = { id: doc.id, versionId: doc.versionId, lastUpdatedMs: doc.lastUpdatedMs, resource: doc.resource ? essentials(doc.resource as Task) : null };
      const versions = byTask.get(doc.id);
      if (versions) versions.push(version);
      else byTask.set(doc.id, [version]);
    }
    if (!page.hasOlder || !page.last) return byTask;
    cursor = { direction: 'older', key: page.last };
  }
}

/** The current ServiceRequests the caller may see among `refs` (`ServiceRequest/id`), by reference. */
async function serviceRequests(repo: Repository, refs: string[]): Promise<Map<string, ServiceRequest>> {
  const ids = [...new Set(refs.filter((r) => r.startsWith('ServiceRequest/')).map((r) => r.slice('ServiceRequest/'.length)))];
  const found = new Map<string, ServiceRequest>();
  for (let i = 0; i < ids.length; i += ID_BATCH) {
    const batch = ids.slice(i, i + ID_BATCH);
    const { query } = parseSearch('ServiceRequest', { _id: [batch.join(',')] }, { strict: true });
    const page = await repo.search({ ...query, total: 'none' }, batch.length);
    for (const sr of page.matches as ServiceRequest[]) found.set(`ServiceRequest/${sr.id}`, sr);
  }
  return found;
}

export const statsOperation: OperationSpec = {
  name: 'stats',
  definition: `${RELAY_CANONICAL_BASE}/OperationDefinition/stats`,
  types: ['ServiceRequest'],
  levels: ['type'],
  affectsState: false,
  handler,
};
