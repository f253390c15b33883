/**
 * Generated search queries (query-string form, as the HTTP layer hands them to the parser) for the
 * differential test: every parameter type × modifier × prefix over the pools of search-data.ts,
 * with comma ORs, repeated parameters, :missing, :not, chains and _has.
 */
import { BASE_URL, CODES, dateText, ID_TYPE_SYSTEM, ID_TYPES, NUMBERS, OTHER_BASE, PATIENT_IDS, PRACTITIONER_IDS, SYSTEMS, TAG_SYSTEM, UNITS, URIS, WORDS } from './search-data';
import type { Random } from './search-random';

type Atom = [key: string, value: string];
type AtomGen = (rnd: Random) => Atom;

export const LAST_UPDATED_START = Date.UTC(2024, 0, 1);
export const LAST_UPDATED_SPAN = 60 * 86_400_000;

const PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

/** Escapes the search separators in a literal value. */
export function esc(value: string): string {
  return value.replace(/[\\,|$]/g, '\\$&');
}

/** 1–3 alternatives joined by commas (an OR). */
function alternatives(rnd: Random, one: (rnd: Random) => string): string {
  return Array.from({ length: rnd.pick([1, 1, 1, 2, 3]) }, () => one(rnd)).join(',');
}

function word(rnd: Random): string {
  const w = rnd.pick(WORDS);
  const form = rnd.int(0, 5);
  if (form === 0) return w.slice(0, rnd.int(1, Math.max(1, w.length)));
  if (form === 1) return w.toUpperCase();
  if (form === 2) return w.slice(rnd.int(0, w.length - 1));
  return w;
}

function token(rnd: Random, systems = SYSTEMS, codes = CODES): string {
  const form = rnd.int(0, 4);
  const code = esc(rnd.pick(codes));
  const system = esc(rnd.pick(systems));
  if (form === 0) return `${system}|${code}`;
  if (form === 1) return `|${code}`;
  if (form === 2) return `${system}|`;
  return code;
}

function date(rnd: Random): string {
  return rnd.pick(PREFIXES) + dateText(rnd);
}

function lastUpdated(rnd: Random): string {
  const ms = LAST_UPDATED_START + rnd.int(0, LAST_UPDATED_SPAN);
  const iso = new Date(ms).toISOString();
  return rnd.pick(PREFIXES) + rnd.pick([iso.slice(0, 7), iso.slice(0, 10), iso.slice(0, 16) + 'Z', iso.slice(0, 19) + 'Z', iso]);
}

function numberText(rnd: Random): string {
  const n = rnd.pick(NUMBERS);
  const form = rnd.int(0, 5);
  if (form === 0 && Number.isInteger(n) && n !== 0) {
    const exp = Math.floor(Math.log10(Math.abs(n)));
    return `${n / 10 ** exp}e${exp}`;
  }
  if (form === 1) return n.toFixed(rnd.int(0, 3));
  return String(n);
}

function quantity(rnd: Random): string {
  const number = rnd.pick(PREFIXES) + numberText(rnd);
  const unit = rnd.pick(UNITS);
  const form = rnd.int(0, 3);
  if (form === 0 && unit.system && unit.code) return `${number}|${esc(unit.system)}|${esc(unit.code)}`;
  if (form === 1 && (unit.code || unit.unit)) return `${number}||${esc((unit.code ?? unit.unit) as string)}`;
  return number;
}

function reference(rnd: Random, type: string, ids: readonly string[]): string {
  const id = rnd.pick([...ids, 'zz']);
  return rnd.pick([id, `${type}/${id}`, `${BASE_URL}/${type}/${id}`, `${OTHER_BASE}/${type}/${id}`, `${type}/${id}/_history/${rnd.int(1, 3)}`, `urn:uuid:${id}`]);
}

function missing(code: string): AtomGen {
  return (rnd) => [`${code}:missing`, rnd.pick(['true', 'false'])];
}

const stringAtom =
  (code: string): AtomGen =>
  (rnd) => [code + rnd.pick(['', '', ':exact', ':contains']), alternatives(rnd, (r) => esc(word(r)))];

const tokenAtom =
  (code: string, systems?: string[], codes?: string[]): AtomGen =>
  (rnd) => [code + rnd.pick(['', '', ':not']), alternatives(rnd, (r) => token(r, systems, codes))];

const PATIENT: AtomGen[] = [
  stringAtom('name'),
  stringAtom('family'),
  tokenAtom('gender', ['http://hl7.org/fhir/administrative-gender'], ['male', 'female', 'other', 'unknown', 'x']),
  (rnd) => [rnd.pick(['gender:in', 'gender:not-in']), 'http://hl7.org/fhir/ValueSet/administrative-gender'],
  tokenAtom('identifier'),
  (rnd) => ['identifier:of-type', `${ID_TYPE_SYSTEM}|${rnd.pick(ID_TYPES)}|${esc(rnd.pick(CODES))}`],
  (rnd) => ['identifier:text', esc(word(rnd))],
  (rnd) => ['birthdate', alternatives(rnd, date)],
  (rnd) => ['general-practitioner', alternatives(rnd, (r) => reference(r, 'Practitioner', PRACTITIONER_IDS))],
  (rnd) => ['general-practitioner:Practitioner', rnd.pick(PRACTITIONER_IDS)],
  (rnd) => ['general-practitioner:identifier', token(rnd)],
  (rnd) => [rnd.pick(['active', 'active:not']), rnd.pick(['true', 'false', 'true,false'])],
  tokenAtom('_tag', [TAG_SYSTEM]),
  (rnd) => ['_profile' + rnd.pick(['', ':below', ':above']), alternatives(rnd, (r) => esc(r.pick(URIS)))],
  (rnd) => ['language' + rnd.pick(['', ':text']), esc(word(rnd))],
  (rnd) => ['_id', alternatives(rnd, (r) => r.pick([...PATIENT_IDS, 'p40', '$where', 'nope']))],
  (rnd) => ['_lastUpdated', alternatives(rnd, lastUpdated)],
  (rnd) => missing(rnd.pick(['name', 'birthdate', 'gender', 'general-practitioner', '_tag', '_profile', 'identifier', 'language']))(rnd),
  (rnd) => ['_has:Observation:subject:code', token(rnd)],
  (rnd) => ['_has:Observation:patient:status', alternatives(rnd, (r) => r.pick(['final', 'amended', 'cancelled']))],
  (rnd) => ['_has:Observation:subject:value-quantity', quantity(rnd)],
  (rnd) => ['_has:RiskAssessment:subject:probability', rnd.pick(PREFIXES) + numberText(rnd)],
  (rnd) => ['general-practitioner:Practitioner.name', esc(word(rnd))],
];

const PRACTITIONER: AtomGen[] = [
  stringAtom('name'),
  tokenAtom('identifier'),
  (rnd) => ['active', rnd.pick(['true', 'false'])],
  (rnd) => ['_has:Patient:general-practitioner:name', esc(word(rnd))],
  (rnd) => ['_has:Patient:general-practitioner:_has:Observation:subject:code', token(rnd)],
  (rnd) => ['_has:Observation:performer:status', rnd.pick(['final', 'amended'])],
  missing('identifier'),
];

const OBSERVATION: AtomGen[] = [
  tokenAtom('code'),
  (rnd) => ['code:text', esc(word(rnd))],
  tokenAtom('status', ['http://hl7.org/fhir/observation-status'], ['final', 'amended', 'preliminary', 'cancelled']),
  (rnd) => [rnd.pick(['status:in', 'status:not-in']), 'http://hl7.org/fhir/ValueSet/observation-status'],
  (rnd) => ['subject', alternatives(rnd, (r) => (r.chance(0.2) ? reference(r, 'Group', ['g1', 'g2']) : reference(r, 'Patient', PATIENT_IDS)))],
  (rnd) => [rnd.pick(['subject:Patient', 'subject:Group']), rnd.pick([...PATIENT_IDS, 'g1'])],
  (rnd) => ['patient', alternatives(rnd, (r) => r.pick(PATIENT_IDS))],
  (rnd) => ['subject:identifier', token(rnd)],
  (rnd) => ['performer', reference(rnd, 'Practitioner', PRACTITIONER_IDS)],
  (rnd) => ['date', alternatives(rnd, date)],
  (rnd) => ['value-quantity', alternatives(rnd, quantity)],
  stringAtom('value-string'),
  (rnd) => ['value-concept' + rnd.pick(['', ':text']), rnd.chance(0.5) ? token(rnd) : esc(word(rnd))],
  (rnd) => ['code-value-quantity', alternatives(rnd, (r) => `${token(r)}$${quantity(r)}`)],
  (rnd) => ['component-code-value-quantity', `${token(rnd)}$${quantity(rnd)}`],
  tokenAtom('identifier'),
  (rnd) => ['_source' + rnd.pick(['', ':below', ':above']), esc(rnd.pick(URIS))],
  (rnd) => ['_lastUpdated', lastUpdated(rnd)],
  (rnd) => missing(rnd.pick(['subject', 'date', 'value-quantity', 'value-string', 'code-value-quantity', 'performer', '_source']))(rnd),
  (rnd) => ['subject:Patient.name', esc(word(rnd))],
  (rnd) => ['patient.gender', rnd.pick(['male', 'female', 'male,other'])],
  (rnd) => ['patient.birthdate', date(rnd)],
  (rnd) => ['performer:Practitioner.identifier', token(rnd)],
  (rnd) => ['subject:Patient.general-practitioner:Practitioner.name', esc(word(rnd))],
  (rnd) => ['patient._id', rnd.pick(PATIENT_IDS)],
  (rnd) => ['patient._has:RiskAssessment:subject:probability', rnd.pick(PREFIXES) + numberText(rnd)],
];

const RISK: AtomGen[] = [
  (rnd) => ['probability', alternatives(rnd, (r) => r.pick(PREFIXES) + numberText(r))],
  (rnd) => ['subject', reference(rnd, 'Patient', PATIENT_IDS)],
  missing('probability'),
];

const QUESTIONNAIRE: AtomGen[] = [
  (rnd) => ['url' + rnd.pick(['', ':below', ':above']), alternatives(rnd, (r) => esc(r.pick(URIS)))],
  (rnd) => ['_profile' + rnd.pick(['', ':below', ':above']), esc(rnd.pick(URIS))],
  missing('url'),
];

export const ATOMS: Record<string, AtomGen[]> = {
  Patient: PATIENT,
  Practitioner: PRACTITIONER,
  Observation: OBSERVATION,
  RiskAssessment: RISK,
  Questionnaire: QUESTIONNAIRE,
};

/** A query for `type`: 1–3 atoms (repeated keys become repeated parameters, an AND). */
export function generateQuery(rnd: Random, type: string): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  const atoms = ATOMS[type];
  const n = rnd.pick([1, 1, 2, 2, 3]);
  for (let i = 0; i < n; i++) {
    const [key, value] = rnd.pick(atoms)(rnd);
    (query[key] ??= []).push(value);
  }
  return query;
}
