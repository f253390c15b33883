/**
 * Groups consult facts (consults.ts) overall, by specialty, by specialist and by priority, and
 * summarises each group (README "Consult workflow", "$stats").
 */
import type { Coding, ServiceRequest } from '@medplum/fhirtypes';
import { CONSULT_SPECIALTY_SYSTEM } from '../../validation/consult-profiles';
import { lateness, type ConsultFacts } from './consults';
import { median, nearestRank } from './percentiles';

export type GroupBy = 'overall' | 'specialty' | 'specialist' | 'priority';

/** What a group is keyed by: a specialty Coding, a specialist reference, a priority code, or a placeholder word. */
export type GroupKey =
  | { kind: 'none' }
  | { kind: 'coding'; coding: Coding }
  | { kind: 'reference'; reference: string }
  | { kind: 'code'; code: string }
  | { kind: 'string'; text: string };

/** Count, median and 90th percentile (nearest rank) of durations in ms; median/p90 absent when count is 0. */
export interface Durations {
  count: number;
  medianMs?: number;
  p90Ms?: number;
}

export interface StatsGroup {
  by: GroupBy;
  key: GroupKey;
  count: number;
  firstAction: Durations;
  completion: Durations;
  /** Consults completed late or open past their due time (each counted once). */
  overdue: number;
  overdueOpen: number;
  completedLate: number;
}

export const UNSPECIFIED_SPECIALTY = 'unspecified';
export const UNASSIGNED = 'unassigned';
/** R4 request-priority codes, in order of urgency; a group of another code sorts after them. */
const PRIORITIES = ['routine', 'urgent', 'asap', 'stat'];

interface Keyed {
  facts: ConsultFacts;
  specialty: GroupKey;
  specialist: GroupKey;
  priority: GroupKey;
}

/**
 * The groups of `consults`: overall first (always, even with no consults), then by specialty (code
 * order, "unspecified" last), specialist (reference order, "unassigned" last) and priority (routine,
 * urgent, asap, stat). `requests` maps `ServiceRequest/id` to the current ServiceRequest the caller
 * may see; `nowMs` decides which open consults are overdue.
 */
export function turnaroundGroups(consults: readonly ConsultFacts[], requests: ReadonlyMap<string, ServiceRequest>, nowMs: number): StatsGroup[] {
  const keyed: Keyed[] = consults.map((facts) => {
    const request = requests.get(facts.request);
    return { facts, specialty: specialtyKey(request), specialist: specialistKey(facts), priority: { kind: 'code', code: facts.priority ?? request?.priority ?? 'routine' } };
  });
  const groups = [summarise('overall', { kind: 'none' }, consults, nowMs)];
  for (const by of ['specialty', 'specialist', 'priority'] as const) {
    const buckets = new Map<string, { key: GroupKey; members: ConsultFacts[] }>();
    for (const k of keyed) {
      const key = k[by];
      const id = keyId(key);
      const bucket = buckets.get(id) ?? { key, members: [] };
      bucket.members.push(k.facts);
      buckets.set(id, bucket);
    }
    const sorted = [...buckets.values()].sort((a, b) => order(by, a.key, b.key));
    groups.push(...sorted.map((b) => summarise(by, b.key, b.members, nowMs)));
  }
  return groups;
}

function summarise(by: GroupBy, key: GroupKey, members: readonly ConsultFacts[], nowMs: number): StatsGroup {
  const firstAction = members.flatMap((f) => (f.firstActionMs === undefined ? [] : [f.firstActionMs - f.submittedMs]));
  const completion = members.flatMap((f) => (f.completedMs === undefined ? [] : [f.completedMs - f.submittedMs]));
  let overdue = 0;
  let overdueOpen = 0;
  let completedLate = 0;
  for (const f of members) {
    const late = lateness(f, nowMs);
    if (late.overdueOpen) overdueOpen++;
    if (late.completedLate) completedLate++;
    if (late.overdueOpen || late.completedLate) overdue++;
  }
  return { by, key, count: members.length, firstAction: durations(firstAction), completion: durations(completion), overdue, overdueOpen, completedLate };
}

function durations(values: number[]): Durations {
  if (values.length === 0) return { count: 0 };
  return { count: values.length, medianMs: median(values), p90Ms: nearestRank(values, 90) };
}

/** The consult-specialty coding of the ServiceRequest's category (system and code only). */
function specialtyKey(request: ServiceRequest | undefined): GroupKey {
  for (const category of request?.category ?? []) {
    const coding = (category.coding ?? []).find((c) => c.system === CONSULT_SPECIALTY_SYSTEM && c.code);
    if (coding) return { kind: 'coding', coding: { system: CONSULT_SPECIALTY_SYSTEM, code: coding.code } };
  }
  return { kind: 'string', text: UNSPECIFIED_SPECIALTY };
}

function specialistKey(facts: ConsultFacts): GroupKey {
  return facts.specialist ? { kind: 'reference', reference: facts.specialist } : { kind: 'string', text: UNASSIGNED };
}

function keyId(key: GroupKey): string {
  switch (key.kind) {
    case 'none':
      return '';
    case 'coding':
      return `coding:${key.coding.system}|${key.coding.code}`;
    case 'reference':
      return `reference:${key.reference}`;
    case 'code':
      return `code:${key.code}`;
    case 'string':
      return `string:${key.text}`;
    default:
      return exhaustive(key);
  }
}

/** Group order within one `by`: placeholders ("unspecified", "unassigned") last, priorities by urgency, the rest by text. */
function order(by: GroupBy, a: GroupKey, b: GroupKey): number {
  const rank = (k: GroupKey) => (k.kind === 'string' ? 1 : 0);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (by === 'priority' && a.kind === 'code' && b.kind === 'code') {
    const pa = PRIORITIES.indexOf(a.code);
    const pb = PRIORITIES.indexOf(b.code);
    if (pa !== pb) return (pa < 0 ? PRIORITIES.length : pa) - (pb < 0 ? PRIORITIES.length : pb);
  }
  const ia = keyId(a);
  const ib = keyId(b);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function exhaustive(value: never): never {
  throw new Error(`unexpected group key ${JSON.stringify(value)}`);
}
