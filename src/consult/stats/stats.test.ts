/**
 * $stats computation against the hand-computed fixture test/fixtures/consult-stats.json (now =
 * 2026-01-10T00:00:00Z). Durations below are in minutes from submission (the first `requested`
 * version); p90 is nearest rank ⌈0.9·n⌉, median the middle value or the mean of the two middle ones.
 *
 * Consults submitted in [2026-01-05, 2026-01-10), with their facts:
 *   task               specialty     specialist  priority  first action          completion                 overdue
 *   t-derm-routine     dermatology   PR/a        routine   10:00−09:00 = 60      15:00−09:00 = 360          no
 *   t-derm-urgent      dermatology   PR/b        urgent    10:20:30−10:00 = 20.5 16:15−10:00 = 375          completed late (due 14:00)
 *   t-gen-redirected   general       PR/b        routine   09:15−08:00 = 75      —                          no (due moved to the 12th)
 *   t-uro-stat         urology       PR/c        stat      12:45−12:00 = 45      —                          open, due 13:00 on the 7th
 *   t-missing-request  unspecified   unassigned  asap      —                     —                          no (due the 20th)
 *   t-derm-handover    dermatology   PR/c        routine   12:30−12:00 = 30      19:00:20−12:00 = 420.33…   no (completed at due)
 *   t-failed           unspecified   PR/b        asap      01:00−00:00 = 60      —                          no (failed)
 * Outside that range: t-before-start (general, PR/a, routine; 10 and 180) and t-at-end (urology,
 * unassigned, stat; no action). Not consults at all: t-other-code, t-subtask, t-deleted, t-draft,
 * t-entered-in-error.
 */
import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import fixture from '../../../test/fixtures/consult-stats.json';
import { statsParameters } from './answer';
import { consultFacts, consultsIn, type SubmissionRange, type TaskVersion } from './consults';
import { turnaroundGroups, type Durations, type StatsGroup } from './groups';
import { minutes } from './percentiles';

interface FixtureTask {
  id: string;
  base: Record<string, unknown>;
  versions: ({ at: string; deleted?: boolean } & Record<string, unknown>)[];
}

const BASE_URL = fixture.baseUrl;
const NOW = Date.parse(fixture.now);
const FULFILL = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };
const REQUESTS = new Map((fixture.serviceRequests as ServiceRequest[]).map((sr) => [`ServiceRequest/${sr.id}`, sr]));
const ms = (iso: string) => Date.parse(iso);

/** The stored versions of a fixture task, newest first (as history reads them). */
function versionsOf(task: FixtureTask): TaskVersion[] {
  let current: Record<string, unknown> = { resourceType: 'Task', id: task.id, intent: 'order', code: FULFILL, for: { reference: 'Patient/p1' }, ...task.base };
  const versions = task.versions.map(({ at, deleted, ...changes }, i): TaskVersion => {
    const versionId = i + 1;
    if (deleted) return { id: task.id, versionId, lastUpdatedMs: ms(at), resource: null };
    current = { ...current };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete current[key];
      else current[key] = value;
    }
    return { id: task.id, versionId, lastUpdatedMs: ms(at), resource: { ...current, meta: { versionId: String(versionId), lastUpdated: at } } as unknown as Task };
  });
  return versions.reverse();
}

const TASKS = (fixture.tasks as FixtureTask[]).map(versionsOf);
const versionsById = (id: string) => TASKS.find((v) => v[0].id === id) as TaskVersion[];

function groups(range: SubmissionRange): StatsGroup[] {
  return turnaroundGroups(consultsIn(TASKS, BASE_URL, range), REQUESTS, NOW);
}

/** A group as one line: [by, key, count, [n, median, p90] to first action, [n, median, p90] to completion, [overdue, open, late]]. */
type Row = [string, string, number, (number | undefined)[], (number | undefined)[], number[]];
function row(g: StatsGroup): Row {
  const key = g.key.kind === 'none' ? '-' : g.key.kind === 'coding' ? (g.key.coding.code as string) : g.key.kind === 'reference' ? g.key.reference : g.key.kind === 'code' ? g.key.code : g.key.text;
  const d = (x: Durations) => [x.count, x.medianMs === undefined ? undefined : minutes(x.medianMs), x.p90Ms === undefined ? undefined : minutes(x.p90Ms)];
  return [g.by, key, g.count, d(g.firstAction), d(g.completion), [g.overdue, g.overdueOpen, g.completedLate]];
}
const none = [0, undefined, undefined];

describe('$stats computation (fixture test/fixtures/consult-stats.json)', () => {
  it('reads each consult’s facts from its Task versions, in any order', () => {
    expect(consultFacts(versionsById('t-gen-redirected'), BASE_URL)).toEqual({
      taskId: 't-gen-redirected',
      request: 'ServiceRequest/gen1',
      submittedMs: ms('2026-01-06T08:00:00Z'), // the first `requested`, not the redirect at 10:00
      firstActionMs: ms('2026-01-06T09:15:00Z'), // rejected; `received` at 08:30 is routing, not an action
      dueEndMs: ms('2026-01-12T10:00:01Z'), // the current due time, to the end of its second
      status: 'accepted',
      specialist: 'PractitionerRole/b', // not completed: the current owner
    });
    expect(consultFacts(versionsById('t-derm-handover'), BASE_URL)).toMatchObject({
      request: 'ServiceRequest/derm1',
      completedMs: ms('2026-01-05T19:00:20Z'),
      specialist: 'PractitionerRole/c', // the owner at completion, written as an absolute URL
    });
    expect(consultFacts(versionsById('t-derm-urgent'), BASE_URL)).toMatchObject({ request: 'ServiceRequest/derm2', priority: 'urgent' });
    for (const id of ['t-other-code', 't-subtask', 't-deleted', 't-draft', 't-entered-in-error']) expect(consultFacts(versionsById(id), BASE_URL)).toBeUndefined();
  });

  it('figures every group of the consults submitted in [2026-01-05, 2026-01-10)', () => {
    const rows = groups({ startMs: ms('2026-01-05'), endMs: ms('2026-01-10') }).map(row);
    expect(rows).toEqual([
      // first action: 20.5 30 45 60 60 75 → median (45 + 60) / 2 = 52.5, p90 rank ⌈5.4⌉ = 6 → 75
      // completion: 360 375 420.33 → median 375, p90 rank ⌈2.7⌉ = 3 → 420.3; overdue: t-derm-urgent (late) + t-uro-stat (open)
      ['overall', '-', 7, [6, 52.5, 75], [3, 375, 420.3], [2, 1, 1]],
      // dermatology: t-derm-routine, t-derm-urgent, t-derm-handover: first 20.5 30 60 → 30, rank 3 → 60; completion as overall
      ['specialty', 'dermatology', 3, [3, 30, 60], [3, 375, 420.3], [1, 0, 1]],
      ['specialty', 'general', 1, [1, 75, 75], none, [0, 0, 0]],
      ['specialty', 'urology', 1, [1, 45, 45], none, [1, 1, 0]],
      // t-missing-request (no ServiceRequest) and t-failed (no consult-specialty category): only t-failed acted, 60
      ['specialty', 'unspecified', 2, [1, 60, 60], none, [0, 0, 0]],
      ['specialist', 'PractitionerRole/a', 1, [1, 60, 60], [1, 360, 360], [0, 0, 0]],
      // t-derm-urgent, t-gen-redirected, t-failed: first 20.5 60 75 → 60, rank 3 → 75; completion 375
      ['specialist', 'PractitionerRole/b', 3, [3, 60, 75], [1, 375, 375], [1, 0, 1]],
      // t-uro-stat, t-derm-handover: first 30 45 → (30 + 45) / 2 = 37.5, rank ⌈1.8⌉ = 2 → 45; completion 420.3
      ['specialist', 'PractitionerRole/c', 2, [2, 37.5, 45], [1, 420.3, 420.3], [1, 1, 0]],
      ['specialist', 'unassigned', 1, none, none, [0, 0, 0]],
      // routine: t-derm-routine, t-gen-redirected, t-derm-handover: first 30 60 75 → 60, 75;
      // completion 360 and 420.33 → (21 600 000 + 25 220 000) / 2 ms = 390.1666… → 390.2, rank 2 → 420.3
      ['priority', 'routine', 3, [3, 60, 75], [2, 390.2, 420.3], [0, 0, 0]],
      ['priority', 'urgent', 1, [1, 20.5, 20.5], [1, 375, 375], [1, 0, 1]],
      ['priority', 'asap', 2, [1, 60, 60], none, [0, 0, 0]],
      ['priority', 'stat', 1, [1, 45, 45], none, [1, 1, 0]],
    ]);
  });

  it('without a range counts every consult ever submitted', () => {
    const [overall, ...rest] = groups({}).map(row);
    // + t-before-start (10, 180) and t-at-end (no action):
    // first action 10 20.5 30 45 60 60 75 → median 45, p90 rank ⌈6.3⌉ = 7 → 75
    // completion 180 360 375 420.33 → (360 + 375) / 2 = 367.5, p90 rank ⌈3.6⌉ = 4 → 420.3
    expect(overall).toEqual(['overall', '-', 9, [7, 45, 75], [4, 367.5, 420.3], [2, 1, 1]]);
    expect(rest.find((r) => r[0] === 'specialist' && r[1] === 'PractitionerRole/a')).toEqual(['specialist', 'PractitionerRole/a', 2, [2, 35, 60], [2, 270, 360], [0, 0, 0]]); // (10 + 60) / 2; (180 + 360) / 2
    expect(rest.find((r) => r[0] === 'specialist' && r[1] === 'unassigned')).toEqual(['specialist', 'unassigned', 2, none, none, [0, 0, 0]]);
  });

  it('start is inclusive and end exclusive', () => {
    expect(row(groups({ startMs: ms('2026-01-04T23:59:59Z') })[0])[2]).toBe(9);
    expect(row(groups({ startMs: ms('2026-01-05T00:00:00Z') })[0])[2]).toBe(8);
    expect(row(groups({ endMs: ms('2026-01-10T00:00:00Z') })[0])[2]).toBe(8);
    expect(row(groups({ endMs: ms('2026-01-10T00:00:00.001Z') })[0])[2]).toBe(9);
    expect(groups({ startMs: ms('2027-01-01'), endMs: ms('2027-01-02') }).map(row)).toEqual([['overall', '-', 0, none, none, [0, 0, 0]]]);
  });

  it('answers a Parameters with one group parameter per group', () => {
    const all = groups({ startMs: ms('2026-01-05'), endMs: ms('2026-01-10') });
    const answer = statsParameters(all, { start: '2026-01-05', end: '2026-01-10', now: new Date(NOW) });
    const minutesQ = (value: number) => ({ value, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' });
    expect(answer.parameter?.slice(0, 4)).toEqual([
      { name: 'start', valueDateTime: '2026-01-05' },
      { name: 'end', valueDateTime: '2026-01-10' },
      { name: 'now', valueInstant: '2026-01-10T00:00:00.000Z' },
      {
        name: 'group',
        part: [
          { name: 'by', valueCode: 'overall' },
          { name: 'count', valueInteger: 7 },
          { name: 'firstActionCount', valueInteger: 6 },
          { name: 'firstActionMedian', valueQuantity: minutesQ(52.5) },
          { name: 'firstActionP90', valueQuantity: minutesQ(75) },
          { name: 'completionCount', valueInteger: 3 },
          { name: 'completionMedian', valueQuantity: minutesQ(375) },
          { name: 'completionP90', valueQuantity: minutesQ(420.3) },
          { name: 'overdue', valueInteger: 2 },
          { name: 'overdueOpen', valueInteger: 1 },
          { name: 'completedLate', valueInteger: 1 },
        ],
      },
    ]);
    const keys = answer.parameter?.slice(4).map((p) => p.part?.find((part) => part.name === 'key'));
    expect(keys?.slice(0, 4)).toEqual([
      { name: 'key', valueCoding: { system: 'https://relay.example/fhir/CodeSystem/consult-specialty', code: 'dermatology' } },
      { name: 'key', valueCoding: { system: 'https://relay.example/fhir/CodeSystem/consult-specialty', code: 'general' } },
      { name: 'key', valueCoding: { system: 'https://relay.example/fhir/CodeSystem/consult-specialty', code: 'urology' } },
      { name: 'key', valueString: 'unspecified' },
    ]);
    expect(keys?.[4]).toEqual({ name: 'key', valueReference: { reference: 'PractitionerRole/a' } });
    expect(keys?.[7]).toEqual({ name: 'key', valueString: 'unassigned' });
    expect(keys?.[8]).toEqual({ name: 'key', valueCode: 'routine' });
    // A group with nothing completed has a count of 0 and no median or p90.
    const general = answer.parameter?.[5].part?.map((p) => p.name);
    expect(general).toEqual(['by', 'key', 'count', 'firstActionCount', 'firstActionMedian', 'firstActionP90', 'completionCount', 'overdue', 'overdueOpen', 'completedLate']);
  });
});
