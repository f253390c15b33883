/**
 * The searches of bench/search.ts. Each case makes a fresh query (type + query parameters, as the
 * HTTP layer would hand them to parseSearch) from a seeded random source and the pool of stored
 * resources, so repeated runs use varying values and Relay and Medplum get the same sequence.
 */
import { DATA_FROM, DATA_TO, FAMILIES, LOINC, LOINC_CODES, MRN_SYSTEM, pick, TASK_STATUSES, type Pool, type Random } from './search-data';

export type Params = Record<string, string[]>;

export interface SearchCase {
  key: string;
  /** The query as printed, with <placeholders> for the varying values. */
  label: string;
  kind: 'token' | 'reference' | 'string' | 'date' | '_include' | '_revinclude' | 'chain' | '_sort' | '_total';
  /** Token or reference equality: checked for sub-linear growth and against the p50 target. */
  indexed: boolean;
  /**
   * How @medplum/fhir-router's MemoryRepository runs it: natively, emulated with several of its calls
   * (it ignores _include/_revinclude and answers chains with nothing), or skipped (a Relay-only
   * diagnostic variant of another case).
   */
  medplum: 'native' | 'emulated' | 'skipped';
  make: (random: Random, pool: Pool) => { type: string; params: Params };
  /** Draw the same values as that case (so a variant is compared on the very same queries). */
  sameValuesAs?: string;
}

const month = (random: Random): [string, string] => {
  const months = Math.round((DATA_TO - DATA_FROM) / (30.44 * 86_400_000));
  const m = Math.floor(random() * months);
  const start = new Date(Date.UTC(2023, m, 1));
  const end = new Date(Date.UTC(2023, m + 1, 1));
  return [start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)];
};

const distinctTaskStatuses = [...new Set(TASK_STATUSES)];

export const SEARCH_CASES: SearchCase[] = [
  {
    key: 'obs-code',
    label: 'Observation?code=http://loinc.org|<code>',
    kind: 'token',
    indexed: true,
    medplum: 'native',
    make: (r) => ({ type: 'Observation', params: { code: [`${LOINC}|${pick(r, LOINC_CODES).code}`] } }),
  },
  {
    key: 'pat-identifier',
    label: `Patient?identifier=${MRN_SYSTEM}|<mrn>`,
    kind: 'token',
    indexed: true,
    medplum: 'native',
    make: (r, pool) => ({ type: 'Patient', params: { identifier: [`${MRN_SYSTEM}|${pick(r, pool.patients).mrn}`] } }),
  },
  {
    key: 'task-status',
    label: 'Task?status=<status> (requested, accepted, …)',
    kind: 'token',
    indexed: true,
    medplum: 'native',
    make: (r) => ({ type: 'Task', params: { status: [pick(r, distinctTaskStatuses) as string] } }),
  },
  {
    key: 'obs-subject',
    label: 'Observation?subject=Patient/<id>',
    kind: 'reference',
    indexed: true,
    medplum: 'native',
    make: (r, pool) => ({ type: 'Observation', params: { subject: [`Patient/${pick(r, pool.patients).id}`] } }),
  },
  {
    key: 'media-based-on',
    label: 'Media?based-on=ServiceRequest/<id>',
    kind: 'reference',
    indexed: true,
    medplum: 'native',
    make: (r, pool) => ({ type: 'Media', params: { 'based-on': [`ServiceRequest/${pick(r, pool.serviceRequests).id}`] } }),
  },
  {
    key: 'pat-name',
    label: 'Patient?name=<3-letter prefix>',
    kind: 'string',
    indexed: false,
    medplum: 'native',
    make: (r) => ({ type: 'Patient', params: { name: [pick(r, FAMILIES).slice(0, 3).toLowerCase()] } }),
  },
  {
    key: 'obs-date',
    label: 'Observation?date=ge<month>&date=lt<next month>',
    kind: 'date',
    indexed: false,
    medplum: 'native',
    make: (r) => {
      const [from, to] = month(r);
      return { type: 'Observation', params: { date: [`ge${from}`, `lt${to}`] } };
    },
  },
  {
    key: 'sr-include',
    label: 'ServiceRequest?subject=Patient/<id>&_include=ServiceRequest:subject',
    kind: '_include',
    indexed: false,
    medplum: 'emulated',
    make: (r, pool) => ({ type: 'ServiceRequest', params: { subject: [`Patient/${pick(r, pool.patients).id}`], _include: ['ServiceRequest:subject'] } }),
  },
  {
    key: 'pat-revinclude',
    label: 'Patient?_id=<id>&_revinclude=Observation:subject',
    kind: '_revinclude',
    indexed: false,
    medplum: 'emulated',
    make: (r, pool) => ({ type: 'Patient', params: { _id: [pick(r, pool.patients).id], _revinclude: ['Observation:subject'] } }),
  },
  {
    key: 'obs-chain',
    label: `Observation?subject:Patient.identifier=${MRN_SYSTEM}|<mrn>`,
    kind: 'chain',
    indexed: false,
    medplum: 'emulated',
    make: (r, pool) => ({ type: 'Observation', params: { 'subject:Patient.identifier': [`${MRN_SYSTEM}|${pick(r, pool.patients).mrn}`] } }),
  },
  {
    key: 'obs-subject-sort',
    label: 'Observation?subject=Patient/<id>&_sort=-date&_count=20',
    kind: '_sort',
    indexed: false,
    medplum: 'native',
    make: (r, pool) => ({ type: 'Observation', params: { subject: [`Patient/${pick(r, pool.patients).id}`], _sort: ['-date'], _count: ['20'] } }),
  },
  {
    key: 'obs-sort',
    label: 'Observation?_sort=-date&_count=20 (all Observations)',
    kind: '_sort',
    indexed: false,
    medplum: 'native',
    make: () => ({ type: 'Observation', params: { _sort: ['-date'], _count: ['20'] } }),
  },
  {
    key: 'obs-code-total-none',
    label: 'Observation?code=http://loinc.org|<code>&_total=none',
    kind: '_total',
    indexed: false,
    medplum: 'skipped',
    sameValuesAs: 'obs-code',
    make: (r) => ({ type: 'Observation', params: { code: [`${LOINC}|${pick(r, LOINC_CODES).code}`], _total: ['none'] } }),
  },
  {
    key: 'task-status-total-none',
    label: 'Task?status=<status>&_total=none',
    kind: '_total',
    indexed: false,
    medplum: 'skipped',
    sameValuesAs: 'task-status',
    make: (r) => ({ type: 'Task', params: { status: [pick(r, distinctTaskStatuses) as string], _total: ['none'] } }),
  },
  {
    key: 'obs-total-accurate',
    label: 'Observation?status=final&_total=accurate (broad, ~80 %)',
    kind: '_total',
    indexed: false,
    medplum: 'native',
    make: () => ({ type: 'Observation', params: { status: ['final'], _total: ['accurate'] } }),
  },
  {
    key: 'obs-total-none',
    label: 'Observation?status=final&_total=none (broad, ~80 %)',
    kind: '_total',
    indexed: false,
    medplum: 'native',
    make: () => ({ type: 'Observation', params: { status: ['final'], _total: ['none'] } }),
  },
];
