/**
 * Deterministic, realistic mixed R4 resources for the search bench (bench/search.ts): Patients,
 * Practitioners, Observations, ServiceRequests, Media and Tasks in fixed proportions, with the
 * references between them (Observation.subject, ServiceRequest.subject/requester, Media.basedOn,
 * Task.focus/owner/for). Ids are assigned by the server, so a growth step is produced in phases:
 * the referenced resources first, then the ones that point at them (see `planStep`).
 */
import { mulberry32 } from '../../test/helpers/prng';
import type { Media, Observation, Patient, Practitioner, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';

/** Share of each type in every growth step (sums to 1). */
export const MIX = { Patient: 0.1, Practitioner: 0.02, Observation: 0.6, ServiceRequest: 0.1, Media: 0.1, Task: 0.08 } as const;
export type MixType = keyof typeof MIX;

export const MRN_SYSTEM = 'http://hospital.example.org/mrn';
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
export const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SNOMED = 'http://snomed.info/sct';

export const FAMILIES = [
  'Nakamura', 'Okafor', 'García', 'Lindqvist', 'Haddad', 'Kowalski', 'Mensah', 'Dubois', 'Silva', 'Chen', 'Andersen', 'Baptiste', 'Costa',
  'Dimitrov', 'Eriksen', 'Fischer', 'Gallagher', 'Horvath', 'Ibrahim', 'Jansen', 'Kaur', 'Laurent', 'Moreau', 'Nowak', 'Oliveira', 'Petrov',
  'Quintero', 'Rossi', 'Schmidt', 'Tanaka', 'Ueda', 'Vargas', 'Weber', 'Xu', 'Yilmaz', 'Zhang', 'Álvarez', 'Bianchi', 'Castillo', 'Duarte',
];
const GIVENS = [
  'Amara', 'Jonas', 'Priya', 'Mateo', 'Yuki', 'Fatima', 'Liam', 'Noor', 'Elena', 'Tariq', 'Sofia', 'Kwame', 'Ingrid', 'Ravi', 'Chloé', 'Omar',
  'Hana', 'Lucas', 'Zara', 'Emeka', 'Marta', 'Kenji', 'Aisha', 'Pablo', 'Leila', 'Sven', 'Mei', 'Diego', 'Ana', 'Tomasz',
];
const CITIES = ['Springfield', 'Riverside', 'Fairview', 'Madison', 'Georgetown', 'Clinton', 'Salem', 'Franklin'];
const GENDERS: NonNullable<Patient['gender']>[] = ['female', 'male', 'female', 'male', 'other', 'unknown'];

/** LOINC codes with display, UCUM unit and a plausible value range; earlier entries are more frequent (vital signs). */
export const LOINC_CODES: { code: string; display: string; unit: string; lo: number; hi: number }[] = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', lo: 45, hi: 140 },
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', lo: 90, hi: 190 },
  { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]', lo: 50, hi: 120 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', lo: 35.5, hi: 40 },
  { code: '9279-1', display: 'Respiratory rate', unit: '/min', lo: 10, hi: 30 },
  { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%', lo: 85, hi: 100 },
  { code: '29463-7', display: 'Body weight', unit: 'kg', lo: 3, hi: 150 },
  { code: '8302-2', display: 'Body height', unit: 'cm', lo: 50, hi: 200 },
  { code: '39156-5', display: 'Body mass index', unit: 'kg/m2', lo: 15, hi: 45 },
  { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL', lo: 60, hi: 300 },
  { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%', lo: 4, hi: 12 },
  { code: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', unit: 'mg/dL', lo: 120, hi: 300 },
  { code: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma', unit: 'mg/dL', lo: 50, hi: 400 },
  { code: '2085-9', display: 'HDL Cholesterol', unit: 'mg/dL', lo: 25, hi: 90 },
  { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', unit: 'g/dL', lo: 8, hi: 18 },
  { code: '6690-2', display: 'Leukocytes [#/volume] in Blood', unit: '10*3/uL', lo: 3, hi: 15 },
  { code: '777-3', display: 'Platelets [#/volume] in Blood', unit: '10*3/uL', lo: 100, hi: 450 },
  { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL', lo: 0.5, hi: 3 },
  { code: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', lo: 130, hi: 150 },
  { code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', lo: 3, hi: 6 },
  { code: '1742-6', display: 'ALT [Enzymatic activity/volume] in Serum or Plasma', unit: 'U/L', lo: 7, hi: 120 },
  { code: '33914-3', display: 'eGFR', unit: 'mL/min/{1.73_m2}', lo: 15, hi: 120 },
  { code: '72514-3', display: 'Pain severity 0-10 score', unit: '{score}', lo: 0, hi: 10 },
  { code: '55284-4', display: 'Blood pressure systolic and diastolic', unit: 'mm[Hg]', lo: 90, hi: 190 },
];
/** Relative frequency of LOINC_CODES[i]: a mild skew (the first code about 5× the last). */
const LOINC_WEIGHTS = LOINC_CODES.map((_, i) => 1 / (1 + i / 6));

const SR_CATEGORIES = [
  { code: '108252007', display: 'Laboratory procedure' },
  { code: '363679005', display: 'Imaging' },
  { code: '409063005', display: 'Counselling' },
  { code: '387713003', display: 'Surgical procedure' },
];
const SR_CODES = [
  { code: '77477000', display: 'CT of abdomen' },
  { code: '168537006', display: 'Plain chest X-ray' },
  { code: '241615005', display: 'MRI of knee' },
  { code: '40701008', display: 'Echocardiography' },
  { code: '26604007', display: 'Complete blood count' },
  { code: '104177005', display: 'Blood culture' },
  { code: '410429000', display: 'Cardiac monitoring' },
  { code: '373003003', display: 'Dermatological examination' },
];
const SR_STATUSES: ServiceRequest['status'][] = ['active', 'active', 'active', 'completed', 'completed', 'draft', 'on-hold', 'revoked'];
export const TASK_STATUSES: Task['status'][] = ['requested', 'requested', 'received', 'accepted', 'in-progress', 'in-progress', 'completed', 'completed', 'completed', 'cancelled', 'on-hold'];
const OBS_STATUSES: Observation['status'][] = ['final', 'final', 'final', 'final', 'final', 'final', 'final', 'final', 'amended', 'preliminary'];

/** Observations and ServiceRequests are dated 2023-01-01 .. 2024-12-31 (UTC). */
export const DATA_FROM = Date.UTC(2023, 0, 1);
export const DATA_TO = Date.UTC(2025, 0, 1);

/** The seeded PRNG the tests use, so every run generates the same data and queries. */
export const rng = mulberry32;

export type Random = () => number;
export const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function weighted<T>(random: Random, list: readonly T[], weights: readonly number[]): T {
  const sum = weights.reduce((a, b) => a + b, 0);
  let x = random() * sum;
  for (let i = 0; i < list.length; i++) {
    x -= weights[i];
    if (x < 0) return list[i];
  }
  return list[list.length - 1];
}

/** What has been stored so far: the ids (and a few values) later resources and queries refer to. */
export interface Pool {
  patients: { id: string; mrn: string; family: string }[];
  practitioners: string[];
  serviceRequests: { id: string; patient: string }[];
}

export const emptyPool = (): Pool => ({ patients: [], practitioners: [], serviceRequests: [] });

/** Sequence numbers for identifiers, unique across growth steps. */
export interface Counters {
  patient: number;
  practitioner: number;
}

export function makePatient(seq: number, random: Random): Patient {
  const family = pick(random, FAMILIES);
  const given = pick(random, GIVENS);
  const year = 1935 + Math.floor(random() * 88);
  return {
    resourceType: 'Patient',
    identifier: [
      { use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: MRN_SYSTEM, value: `MRN-${pad(seq, 8)}` },
      { use: 'secondary', system: 'http://example.org/national-id', value: `NID${pad((seq * 7919) % 1_000_000_000, 9)}` },
    ],
    active: true,
    name: [{ use: 'official', family, given: [given, pick(random, GIVENS)] }],
    telecom: [
      { system: 'phone', value: `+1-555-${pad(seq % 10000, 4)}`, use: 'mobile' },
      { system: 'email', value: `${given.toLowerCase()}.${seq}@example.org`, use: 'home' },
    ],
    gender: pick(random, GENDERS),
    birthDate: `${year}-${pad(1 + Math.floor(random() * 12), 2)}-${pad(1 + Math.floor(random() * 28), 2)}`,
    address: [{ use: 'home', line: [`${1 + Math.floor(random() * 999)} Main Street`], city: pick(random, CITIES), postalCode: pad(Math.floor(random() * 100000), 5), country: 'US' }],
  };
}

export function makePractitioner(seq: number, random: Random): Practitioner {
  return {
    resourceType: 'Practitioner',
    identifier: [{ system: NPI_SYSTEM, value: pad(1_000_000_000 + seq, 10) }],
    active: true,
    name: [{ use: 'official', family: pick(random, FAMILIES), given: [pick(random, GIVENS)], prefix: ['Dr.'] }],
    telecom: [{ system: 'phone', value: `+1-555-7${pad(seq % 1000, 3)}`, use: 'work' }],
    qualification: [{ code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }] } }],
  };
}

const isoAt = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const randomTime = (random: Random): number => DATA_FROM + Math.floor(random() * (DATA_TO - DATA_FROM));

export function makeObservation(random: Random, pool: Pool): Observation {
  const loinc = weighted(random, LOINC_CODES, LOINC_WEIGHTS);
  const value = Math.round((loinc.lo + random() * (loinc.hi - loinc.lo)) * 10) / 10;
  const lab = LOINC_CODES.indexOf(loinc) >= 9;
  return {
    resourceType: 'Observation',
    status: pick(random, OBS_STATUSES),
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: lab ? 'laboratory' : 'vital-signs', display: lab ? 'Laboratory' : 'Vital Signs' },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code: loinc.code, display: loinc.display }], text: loinc.display },
    subject: { reference: `Patient/${pick(random, pool.patients).id}` },
    effectiveDateTime: isoAt(randomTime(random)),
    performer: [{ reference: `Practitioner/${pick(random, pool.practitioners)}` }],
    valueQuantity: { value, unit: loinc.unit, system: UCUM, code: loinc.unit },
  };
}

export function makeServiceRequest(random: Random, pool: Pool): ServiceRequest {
  const category = pick(random, SR_CATEGORIES);
  const code = pick(random, SR_CODES);
  return {
    resourceType: 'ServiceRequest',
    status: pick(random, SR_STATUSES),
    intent: 'order',
    priority: random() < 0.2 ? 'urgent' : 'routine',
    category: [{ coding: [{ system: SNOMED, code: category.code, display: category.display }] }],
    code: { coding: [{ system: SNOMED, code: code.code, display: code.display }], text: code.display },
    subject: { reference: `Patient/${pick(random, pool.patients).id}` },
    requester: { reference: `Practitioner/${pick(random, pool.practitioners)}` },
    authoredOn: isoAt(randomTime(random)),
    note: [{ text: 'Please review and report within 48 hours.' }],
  };
}

export function makeMedia(random: Random, pool: Pool): Media {
  const sr = pick(random, pool.serviceRequests);
  const n = Math.floor(random() * 1_000_000);
  return {
    resourceType: 'Media',
    status: 'completed',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image', display: 'Image' }] },
    basedOn: [{ reference: `ServiceRequest/${sr.id}` }],
    subject: { reference: `Patient/${sr.patient}` },
    createdDateTime: isoAt(randomTime(random)),
    operator: { reference: `Practitioner/${pick(random, pool.practitioners)}` },
    content: { contentType: 'image/jpeg', url: `https://images.example.org/studies/${n}.jpg`, size: 150_000 + (n % 900_000), title: `image-${n}.jpg` },
  };
}

export function makeTask(random: Random, pool: Pool): Task {
  const sr = pick(random, pool.serviceRequests);
  return {
    resourceType: 'Task',
    status: pick(random, TASK_STATUSES),
    intent: 'order',
    priority: random() < 0.2 ? 'urgent' : 'routine',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill the focal request' }] },
    focus: { reference: `ServiceRequest/${sr.id}` },
    for: { reference: `Patient/${sr.patient}` },
    owner: { reference: `Practitioner/${pick(random, pool.practitioners)}` },
    authoredOn: isoAt(randomTime(random)),
  };
}

/** How many resources of each type a step of `n` resources holds (the rounding remainder goes to Observation). */
export function stepCounts(n: number): Record<MixType, number> {
  const counts = Object.fromEntries(Object.entries(MIX).map(([t, share]) => [t, Math.floor(n * share)])) as Record<MixType, number>;
  counts.Observation += n - Object.values(counts).reduce((a, b) => a + b, 0);
  return counts;
}

/**
 * The phases of one growth step: each phase's resources only refer to resources of earlier phases
 * (or earlier steps), so a phase can be written concurrently once the previous one is stored. The
 * generators read `pool` when called, so call them only after the previous phase has been stored.
 */
export function planStep(n: number, random: Random, pool: Pool, counters: Counters): { name: string; count: number; make: () => Resource }[] {
  const c = stepCounts(n);
  return [
    { name: 'Patient', count: c.Patient, make: () => makePatient(++counters.patient, random) },
    { name: 'Practitioner', count: c.Practitioner, make: () => makePractitioner(++counters.practitioner, random) },
    { name: 'ServiceRequest', count: c.ServiceRequest, make: () => makeServiceRequest(random, pool) },
    // Observations, Media and Tasks only point at earlier phases: one phase, interleaved like real traffic.
    {
      name: 'Observation+Media+Task',
      count: c.Observation + c.Media + c.Task,
      make: (() => {
        const left = { Observation: c.Observation, Media: c.Media, Task: c.Task };
        return () => {
          const total = left.Observation + left.Media + left.Task;
          const x = random() * total;
          const type = x < left.Observation ? 'Observation' : x < left.Observation + left.Media ? 'Media' : 'Task';
          left[type]--;
          return type === 'Observation' ? makeObservation(random, pool) : type === 'Media' ? makeMedia(random, pool) : makeTask(random, pool);
        };
      })(),
    },
  ];
}

/** Records a stored resource in the pool (ids come from the server). */
export function remember(pool: Pool, resource: Resource): void {
  if (resource.resourceType === 'Patient') {
    const mrn = resource.identifier?.find((i) => i.system === MRN_SYSTEM)?.value ?? '';
    pool.patients.push({ id: resource.id as string, mrn, family: resource.name?.[0]?.family ?? '' });
  } else if (resource.resourceType === 'Practitioner') pool.practitioners.push(resource.id as string);
  else if (resource.resourceType === 'ServiceRequest') {
    pool.serviceRequests.push({ id: resource.id as string, patient: (resource.subject?.reference ?? '').replace(/^Patient\//, '') });
  }
}
