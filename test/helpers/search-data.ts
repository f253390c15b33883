/**
 * Generated FHIR resources for the search differential test: small pools of deliberately awkward
 * values (accents, regex metacharacters, escaping characters, operator-looking strings, boundary
 * numbers and dates of every precision) so that queries drawn from the same pools often hit.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Random } from './search-random';

export const BASE_URL = 'https://relay.example/fhir';
export const OTHER_BASE = 'https://other.example/fhir';

export const SYSTEMS = ['http://loinc.org', 'http://snomed.info/sct', 'urn:oid:1.2.3', 'http://acme.org/codes|x'];
export const CODES = ['1234-5', '8480-6', 'a.b', 'x$y', 'x,y', 'x|y', 'X', 'x', '$where', '{"$ne":1}', 'back\\slash', 'final'];
export const WORDS = ['Eve', 'Évelyne', 'eve', 'Severine', 'Jon', 'John', 'Zoë', 'Müller', "O'Brien", 'a.b*c', '(x)', '[y]', 'Ann-Marie', ' spaced  name ', 'ZOE', '$gt', 'x,y', 'x|y$z\\w'];
export const ID_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const ID_TYPES = ['MR', 'SS', 'DL'];
export const URIS = [
  'http://acme.org',
  'http://acme.org/',
  'http://acme.org/fhir',
  'http://acme.org/fhir/Questionnaire',
  'http://acme.org/fhir/Questionnaire/q1',
  'http://acme.org/fhir/Questionnaire/q1/v2',
  'http://acme.org/fhirx',
  'urn:uuid:0f8c-11',
  'a/b/c',
  'a/b',
];
export const NUMBERS = [0, 1, 1.5, 2, 100, 99.5, 100.5, 99.4, 100.49, 0.1, 0.25, 1e-7, -3, 1000, 99.95, 105, 95, 50, 150, 110, 90];
export const UNITS: { system?: string; code?: string; unit?: string }[] = [
  { system: 'http://unitsofmeasure.org', code: 'mg', unit: 'mg' },
  { system: 'http://unitsofmeasure.org', code: 'mm[Hg]', unit: 'mmHg' },
  { unit: 'mg' },
  { system: 'http://acme.org/units', code: 'mg' },
  {},
];
/** Instants around which dates are generated (UTC ms). */
export const INSTANTS = [Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 31, 23, 59, 59, 999), Date.UTC(2020, 5, 15, 12, 30), Date.UTC(2021, 11, 31, 23), Date.UTC(2019, 1, 28, 6, 0, 30, 250)];
export const PATIENT_IDS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
export const PRACTITIONER_IDS = ['d1', 'd2', 'd3', 'd4'];
export const TAG_SYSTEM = 'http://acme.org/tags';

/** A FHIR date/dateTime/instant text at a random precision (and zone) near one of the pool's instants. */
export function dateText(rnd: Random, withTime = true): string {
  const ms = rnd.pick(INSTANTS) + rnd.pick([0, 0, 1, -1, 3_600_000, -86_400_000, 86_400_000 * 40]);
  const iso = new Date(ms).toISOString();
  const precision = rnd.int(0, withTime ? 5 : 2);
  if (precision <= 2) return iso.slice(0, [4, 7, 10][precision]);
  const zone = rnd.pick(['Z', 'Z', '+01:00', '-05:00']);
  const shifted = zone === 'Z' ? iso : new Date(ms + (zone === '+01:00' ? 3_600_000 : -18_000_000)).toISOString();
  return shifted.slice(0, [16, 19, 23][precision - 3]) + zone;
}

function coding(rnd: Random) {
  return { system: rnd.pick(SYSTEMS), code: rnd.pick(CODES), display: rnd.pick(WORDS) };
}

function concept(rnd: Random) {
  const out: { coding: ReturnType<typeof coding>[]; text?: string } = { coding: rnd.some([0], 1, 2).map(() => coding(rnd)) };
  if (rnd.chance(0.5)) out.text = rnd.pick(WORDS);
  return out;
}

function identifier(rnd: Random) {
  const out: Record<string, unknown> = { system: rnd.pick(SYSTEMS), value: rnd.pick(CODES) };
  if (rnd.chance(0.6)) out.type = { coding: [{ system: ID_TYPE_SYSTEM, code: rnd.pick(ID_TYPES) }], text: rnd.pick(WORDS) };
  if (rnd.chance(0.2)) delete out.system;
  return out;
}

function meta(rnd: Random) {
  const out: Record<string, unknown> = {};
  if (rnd.chance(0.6)) out.tag = rnd.some([0], 1, 2).map(() => ({ system: rnd.chance(0.8) ? TAG_SYSTEM : undefined, code: rnd.pick(CODES) }));
  if (rnd.chance(0.5)) out.profile = rnd.some(URIS, 1, 2);
  if (rnd.chance(0.4)) out.source = rnd.pick(URIS);
  return out;
}

function reference(rnd: Random, pool: readonly string[], type: string) {
  const id = rnd.pick(pool);
  const form = rnd.int(0, 9);
  if (form === 0) return { reference: `${BASE_URL}/${type}/${id}` };
  if (form === 1) return { reference: `${OTHER_BASE}/${type}/${id}` };
  if (form === 2) return { reference: `${type}/${id}/_history/${rnd.int(1, 3)}` };
  if (form === 3) return { identifier: { system: rnd.pick(SYSTEMS), value: rnd.pick(CODES) } };
  if (form === 4) return { reference: `urn:uuid:${id}` };
  return { reference: `${type}/${id}` };
}

function quantity(rnd: Random) {
  return { value: rnd.pick(NUMBERS), ...rnd.pick(UNITS) };
}

/** A Patient with names, identifiers, a birth date, gender, practitioners and meta. */
export function patient(rnd: Random, id: string): Resource {
  return {
    resourceType: 'Patient',
    id,
    meta: meta(rnd),
    active: rnd.chance(0.7) ? rnd.chance(0.5) : undefined,
    gender: rnd.chance(0.8) ? rnd.pick(['male', 'female', 'other', 'unknown']) : undefined,
    birthDate: rnd.chance(0.8) ? dateText(rnd, false) : undefined,
    name: rnd.some([0], 0, 2).map(() => ({ family: rnd.pick(WORDS), given: rnd.some(WORDS, 0, 2) })),
    identifier: rnd.some([0], 0, 2).map(() => identifier(rnd)),
    generalPractitioner: rnd.some([0], 0, 2).map(() => reference(rnd, PRACTITIONER_IDS, 'Practitioner')),
    communication: rnd.chance(0.5) ? [{ language: concept(rnd) }] : undefined,
  } as Resource;
}

/** A Practitioner with names and identifiers. */
export function practitioner(rnd: Random, id: string): Resource {
  return {
    resourceType: 'Practitioner',
    id,
    meta: meta(rnd),
    active: rnd.chance(0.5),
    name: rnd.some([0], 0, 2).map(() => ({ family: rnd.pick(WORDS), given: rnd.some(WORDS, 0, 1) })),
    identifier: rnd.some([0], 0, 2).map(() => identifier(rnd)),
  } as Resource;
}

function effective(rnd: Random): Record<string, unknown> {
  const form = rnd.int(0, 4);
  if (form === 0) return {};
  if (form === 1) return { effectivePeriod: { start: rnd.chance(0.8) ? dateText(rnd) : undefined, end: rnd.chance(0.6) ? dateText(rnd) : undefined } };
  if (form === 2) return { effectiveInstant: new Date(rnd.pick(INSTANTS) + rnd.int(-5, 5)).toISOString() };
  return { effectiveDateTime: dateText(rnd) };
}

function observationValue(rnd: Random): Record<string, unknown> {
  const form = rnd.int(0, 5);
  if (form === 0) return {};
  if (form === 1) return { valueString: rnd.pick(WORDS) };
  if (form === 2) return { valueCodeableConcept: concept(rnd) };
  return { valueQuantity: quantity(rnd) };
}

/** An Observation with code, subject, effective time, value, components and performers. */
export function observation(rnd: Random, id: string): Resource {
  return {
    resourceType: 'Observation',
    id,
    meta: meta(rnd),
    status: rnd.pick(['final', 'amended', 'preliminary', 'cancelled']),
    code: concept(rnd),
    subject: rnd.chance(0.85) ? (rnd.chance(0.15) ? reference(rnd, ['g1', 'g2'], 'Group') : reference(rnd, PATIENT_IDS, 'Patient')) : undefined,
    performer: rnd.some([0], 0, 2).map(() => reference(rnd, PRACTITIONER_IDS, 'Practitioner')),
    identifier: rnd.some([0], 0, 1).map(() => identifier(rnd)),
    component: rnd.some([0], 0, 2).map(() => ({ code: concept(rnd), valueQuantity: quantity(rnd) })),
    ...effective(rnd),
    ...observationValue(rnd),
  } as Resource;
}

/** A RiskAssessment (number parameter `probability`). */
export function riskAssessment(rnd: Random, id: string): Resource {
  return {
    resourceType: 'RiskAssessment',
    id,
    status: 'final',
    subject: reference(rnd, PATIENT_IDS, 'Patient'),
    prediction: rnd.some([0], 0, 2).map(() => ({ probabilityDecimal: rnd.pick(NUMBERS) })),
  } as Resource;
}

/** A Questionnaire (uri parameter `url`). */
export function questionnaire(rnd: Random, id: string): Resource {
  return { resourceType: 'Questionnaire', id, status: 'active', url: rnd.chance(0.9) ? rnd.pick(URIS) : undefined, meta: meta(rnd) } as Resource;
}
