/**
 * A deterministic generator of realistic store-and-forward patient transaction Bundles: one Patient, the
 * clinic (Organization) and its Practitioners, a series of Encounters with vital-sign and laboratory
 * panels (LOINC codes, UCUM quantities, hasMember links), Conditions (SNOMED CT), and a dermatology
 * consult: a ServiceRequest, the Task that coordinates it, the photos (Media) and the intake
 * QuestionnaireResponse. Every reference between two entries is the target's urn:uuid fullUrl, also
 * where it is nested (Encounter.participant.individual, Observation.hasMember, Task.focus, Task.input,
 * QuestionnaireResponse.item.answer, an extension's valueReference). Same seed, same Bundle.
 *
 * Every resource carries an identifier in RESOURCE_SYSTEM whose value is unique across bundles
 * (`<key>/<Type>/<n>`) and a meta.tag in BUNDLE_TAG_SYSTEM with the bundle key, so tests can find
 * what a bundle created and compare references by identifier rather than by server id.
 */
import type { Bundle, BundleEntry, Condition, Encounter, Identifier, Media, Observation, Organization, Patient, Practitioner, QuestionnaireResponse, Reference, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { mulberry32 } from './prng';

export const RESOURCE_SYSTEM = 'urn:relay:test:resource';
export const BUNDLE_TAG_SYSTEM = 'urn:relay:test:bundle';
/** A Relay-namespace extension carrying the specialist a consult is routed to (a nested valueReference). */
export const REVIEWER_EXTENSION = 'https://relay.example.org/fhir/StructureDefinition/consult-reviewer';

export interface PatientBundleOptions {
  seed: number;
  /** Unique per bundle within one server: used in identifiers and the tag. Default `pb-<seed>`. */
  key?: string;
  /** Encounters to generate; each adds about 27 entries. Default 20 (about 570 entries). */
  encounters?: number;
}

/** A POST entry of a generated bundle. */
export type GeneratedEntry = BundleEntry & { fullUrl: string; resource: Resource; request: { method: 'POST'; url: string } };

export interface PatientBundle {
  key: string;
  bundle: Omit<Bundle, 'entry'> & { type: 'transaction'; entry: GeneratedEntry[] };
  /** How many resources of each type the bundle creates. */
  counts: Record<string, number>;
  /** The Patient's identifier value in RESOURCE_SYSTEM (`<key>/Patient/0`). */
  patientIdentifier: string;
}

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SCT = 'http://snomed.info/sct';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

interface Analyte {
  code: string;
  display: string;
  unit: string;
  low: number;
  high: number;
  decimals: number;
}

const VITALS: Analyte[] = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', low: 55, high: 95, decimals: 0 },
  { code: '9279-1', display: 'Respiratory rate', unit: '/min', low: 12, high: 20, decimals: 0 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', low: 36.1, high: 37.6, decimals: 1 },
  { code: '2708-6', display: 'Oxygen saturation in Arterial blood', unit: '%', low: 94, high: 100, decimals: 0 },
  { code: '29463-7', display: 'Body weight', unit: 'kg', low: 52, high: 110, decimals: 1 },
  { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', unit: 'kg/m2', low: 19, high: 34, decimals: 1 },
];

const METABOLIC_PANEL: Analyte[] = [
  { code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 70, high: 140, decimals: 0 },
  { code: '3094-0', display: 'Urea nitrogen [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 7, high: 20, decimals: 0 },
  { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 0.6, high: 1.3, decimals: 2 },
  { code: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 135, high: 145, decimals: 0 },
  { code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 3.5, high: 5.1, decimals: 1 },
  { code: '2075-0', display: 'Chloride [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 98, high: 107, decimals: 0 },
  { code: '2028-9', display: 'Carbon dioxide, total [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 22, high: 29, decimals: 0 },
  { code: '17861-6', display: 'Calcium [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 8.6, high: 10.3, decimals: 1 },
  { code: '2885-2', display: 'Protein [Mass/volume] in Serum or Plasma', unit: 'g/dL', low: 6, high: 8.3, decimals: 1 },
  { code: '1751-7', display: 'Albumin [Mass/volume] in Serum or Plasma', unit: 'g/dL', low: 3.5, high: 5, decimals: 1 },
  { code: '1975-2', display: 'Bilirubin.total [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 0.1, high: 1.2, decimals: 1 },
  { code: '6768-6', display: 'Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma', unit: 'U/L', low: 44, high: 147, decimals: 0 },
  { code: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', unit: 'U/L', low: 7, high: 56, decimals: 0 },
  { code: '1920-8', display: 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', unit: 'U/L', low: 10, high: 40, decimals: 0 },
];

const BLOOD_COUNT: Analyte[] = [
  { code: '6690-2', display: 'Leukocytes [#/volume] in Blood by Automated count', unit: '10*3/uL', low: 4, high: 11, decimals: 1 },
  { code: '789-8', display: 'Erythrocytes [#/volume] in Blood by Automated count', unit: '10*6/uL', low: 4.2, high: 5.9, decimals: 2 },
  { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', unit: 'g/dL', low: 12, high: 17.5, decimals: 1 },
  { code: '4544-3', display: 'Hematocrit [Volume Fraction] of Blood by Automated count', unit: '%', low: 36, high: 50, decimals: 1 },
  { code: '777-3', display: 'Platelets [#/volume] in Blood by Automated count', unit: '10*3/uL', low: 150, high: 400, decimals: 0 },
];

const CHRONIC_CONDITIONS = [
  { code: '38341003', display: 'Hypertensive disorder, systemic arterial' },
  { code: '44054006', display: 'Diabetes mellitus type 2' },
  { code: '195967001', display: 'Asthma' },
  { code: '55822004', display: 'Hyperlipidemia' },
  { code: '24079001', display: 'Atopic dermatitis' },
];

const GIVEN = ['Ada', 'Ngozi', 'Zoë', 'Jürgen', 'Mei', 'Tomás', 'Aroha', 'Priya', 'Oluwaseun', 'Élodie', 'Kenji', 'Saoirse'];
const FAMILY = ['Okafor', 'Müller', 'Nakamura', 'García', 'Ngata', 'Sharma', 'Adeyemi', 'Lefèvre', "O'Brien", 'Kowalski'];

/** Generates one patient transaction Bundle from `seed` (same options, same Bundle). */
export function generatePatientBundle(options: PatientBundleOptions): PatientBundle {
  const random = mulberry32(options.seed);
  const key = options.key ?? `pb-${options.seed}`;
  const encounterCount = options.encounters ?? 20;
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const entries: GeneratedEntry[] = [];
  const counts: Record<string, number> = {};
  const tag = [{ system: BUNDLE_TAG_SYSTEM, code: key }];

  const uuid = (): string => {
    const hex = Array.from({ length: 16 }, () => int(0, 255));
    hex[6] = (hex[6] & 0x0f) | 0x40;
    hex[8] = (hex[8] & 0x3f) | 0x80;
    const h = hex.map((b) => b.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  /** The next identifier of a type in RESOURCE_SYSTEM. */
  const ours = (type: string): Identifier => ({ system: RESOURCE_SYSTEM, value: `${key}/${type}/${counts[type] ?? 0}` });
  /** Adds a POST entry for `resource` and returns a Reference to its fullUrl. */
  const add = <T extends Resource>(resource: T): Reference<T> => {
    const fullUrl = `urn:uuid:${uuid()}`;
    entries.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
    counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1;
    return { reference: fullUrl };
  };
  const quantity = (a: Analyte) => {
    const span = a.high - a.low;
    const value = Number((a.low - span * 0.1 + random() * span * 1.2).toFixed(a.decimals));
    return { value, unit: a.unit, system: UCUM, code: a.unit };
  };

  // Start of care: a deterministic day in 2022-2023; encounters follow every 2-6 weeks.
  let clock = Date.UTC(2022, 0, 3) + int(0, 364) * 86_400_000;
  const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

  const organization = add<Organization>({
    resourceType: 'Organization',
    meta: { tag },
    identifier: [ours('Organization')],
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
    name: `Riverside Teledermatology Clinic ${int(1, 99)}`,
    telecom: [{ system: 'phone', value: `+1-555-01${int(10, 99)}`, use: 'work' }],
    address: [{ line: [`${int(1, 900)} Harbour Road`], city: 'Wellington', postalCode: `60${int(10, 99)}`, country: 'NZ' }],
  });

  const practitioner = (role: string): Reference<Practitioner> =>
    add<Practitioner>({
      resourceType: 'Practitioner',
      meta: { tag },
      identifier: [ours('Practitioner'), { system: 'http://hl7.org/fhir/sid/us-npi', value: String(1_000_000_000 + int(0, 899_999_999)) }],
      active: true,
      name: [{ family: pick(FAMILY), given: [pick(GIVEN)], prefix: role === 'nurse' ? undefined : ['Dr'] }],
      telecom: [{ system: 'email', value: `${role}.${key}@clinic.example.org`, use: 'work' }],
    });
  const gp = practitioner('gp');
  const nurse = practitioner('nurse');
  const dermatologist = practitioner('dermatologist');

  const gender = pick(['female', 'male', 'other'] as const);
  const patient = add<Patient>({
    resourceType: 'Patient',
    meta: { tag },
    identifier: [ours('Patient'), { use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:relay:test:mrn', value: `MRN-${key}` }],
    active: true,
    name: [{ use: 'official', family: pick(FAMILY), given: [pick(GIVEN), pick(GIVEN)] }],
    gender,
    birthDate: `${int(1940, 2005)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`,
    telecom: [{ system: 'phone', value: `+64-21-${int(100_000, 999_999)}`, use: 'mobile' }],
    address: [{ use: 'home', line: [`${int(1, 300)} Kauri Street`], city: 'Lower Hutt', postalCode: `50${int(10, 99)}`, country: 'NZ' }],
    generalPractitioner: [gp],
    managingOrganization: organization,
  });

  const chronic = shuffle(CHRONIC_CONDITIONS, random).slice(0, int(1, 3));
  let lastEncounter: Reference<Encounter> = {};
  let lastVitals: Reference<Observation>[] = [];
  for (let e = 0; e < encounterCount; e++) {
    clock += int(14, 42) * 86_400_000 + int(8, 16) * 3_600_000;
    const start = clock;
    const end = start + int(15, 50) * 60_000;
    // The first Encounter and its Conditions refer to each other (Encounter.diagnosis, Condition.encounter),
    // so the Encounter's fullUrl is drawn before the Conditions are added and the Encounter after them.
    const diagnosed: Reference<Condition>[] = [];
    const encounterFullUrl = `urn:uuid:${uuid()}`;
    const encounter: Reference<Encounter> = { reference: encounterFullUrl };
    if (e === 0) {
      for (const c of chronic) {
        diagnosed.push(
          add<Condition>({
            resourceType: 'Condition',
            meta: { tag },
            identifier: [ours('Condition')],
            clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
            verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
            category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
            code: { coding: [{ system: SCT, code: c.code, display: c.display }], text: c.display },
            subject: patient,
            encounter,
            onsetDateTime: at(start - int(200, 3000) * 86_400_000),
            recordedDate: at(start),
            recorder: gp,
            asserter: gp,
          }),
        );
      }
    }
    entries.push({
      fullUrl: encounterFullUrl,
      request: { method: 'POST', url: 'Encounter' },
      resource: {
        resourceType: 'Encounter',
        meta: { tag },
        identifier: [ours('Encounter')],
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
        type: [{ coding: [{ system: SCT, code: '185349003', display: 'Encounter for check up' }] }],
        subject: patient,
        participant: [
          { type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PPRF' }] }], individual: gp },
          { type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'SPRF' }] }], individual: nurse },
        ],
        period: { start: at(start), end: at(end) },
        diagnosis: diagnosed.length ? diagnosed.map((condition, rank) => ({ condition, rank: rank + 1 })) : undefined,
        serviceProvider: organization,
      } satisfies Encounter,
    });
    counts.Encounter = (counts.Encounter ?? 0) + 1;
    lastEncounter = encounter;

    const observation = (a: Analyte | undefined, code: Observation['code'], category: string, extra: Partial<Observation>): Reference<Observation> =>
      add<Observation>({
        resourceType: 'Observation',
        meta: { tag },
        identifier: [ours('Observation')],
        status: 'final',
        category: [{ coding: [{ system: OBS_CATEGORY, code: category }] }],
        code,
        subject: patient,
        encounter,
        effectiveDateTime: at(start + 5 * 60_000),
        issued: at(end).replace('Z', '.000Z'),
        performer: [category === 'vital-signs' ? nurse : organization],
        ...(a ? { valueQuantity: quantity(a), referenceRange: [{ low: { value: a.low, unit: a.unit, system: UCUM, code: a.unit }, high: { value: a.high, unit: a.unit, system: UCUM, code: a.unit } }] } : {}),
        ...extra,
      });
    const loinc = (code: string, display: string) => ({ coding: [{ system: LOINC, code, display }], text: display });

    // Vital signs: a panel whose members are the individual measurements (and a blood pressure with components).
    const vitals = VITALS.map((a) => observation(a, loinc(a.code, a.display), 'vital-signs', {}));
    vitals.push(
      observation(undefined, loinc('85354-9', 'Blood pressure panel with all children optional'), 'vital-signs', {
        component: [
          { code: loinc('8480-6', 'Systolic blood pressure'), valueQuantity: quantity({ code: '', display: '', unit: 'mm[Hg]', low: 105, high: 150, decimals: 0 }) },
          { code: loinc('8462-4', 'Diastolic blood pressure'), valueQuantity: quantity({ code: '', display: '', unit: 'mm[Hg]', low: 60, high: 95, decimals: 0 }) },
        ],
      }),
    );
    observation(undefined, loinc('85353-1', 'Vital signs, weight, height, head circumference, oxygen saturation and BMI panel'), 'vital-signs', { hasMember: vitals });
    lastVitals = vitals;

    // Laboratory: a metabolic panel with a seeded subset of its analytes, and a blood count.
    const metabolic = METABOLIC_PANEL.filter(() => random() < 0.75).map((a) => observation(a, loinc(a.code, a.display), 'laboratory', {}));
    observation(undefined, loinc('24323-8', 'Comprehensive metabolic 2000 panel - Serum or Plasma'), 'laboratory', { hasMember: metabolic });
    const count = BLOOD_COUNT.map((a) => observation(a, loinc(a.code, a.display), 'laboratory', {}));
    observation(undefined, loinc('58410-2', 'CBC panel - Blood by Automated count'), 'laboratory', { hasMember: count });
  }

  // The store-and-forward consult, raised at the last encounter.
  const consultAt = clock + 30 * 60_000;
  const rash = add<Condition>({
    resourceType: 'Condition',
    meta: { tag },
    identifier: [ours('Condition')],
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'provisional' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
    code: { coding: [{ system: SCT, code: '271807003', display: 'Eruption of skin' }], text: 'Itchy pigmented rash, left forearm' },
    bodySite: [{ coding: [{ system: SCT, code: '66480008', display: 'Left forearm' }] }],
    subject: patient,
    encounter: lastEncounter,
    onsetDateTime: at(consultAt - int(10, 90) * 86_400_000),
    recordedDate: at(consultAt),
    recorder: gp,
  });
  const consultFullUrl = `urn:uuid:${uuid()}`;
  const consult: Reference<ServiceRequest> = { reference: consultFullUrl };
  const photos = Array.from({ length: 3 }, (_, i) =>
    add<Media>({
      resourceType: 'Media',
      meta: { tag },
      identifier: [ours('Media')],
      basedOn: [consult],
      status: 'completed',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image', display: 'Image' }] },
      modality: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'XC', display: 'External-camera Photography' }] },
      view: { text: ['close-up', 'dermoscopy', 'regional'][i] },
      subject: patient,
      encounter: lastEncounter,
      createdDateTime: at(consultAt + i * 60_000),
      operator: nurse,
      bodySite: { coding: [{ system: SCT, code: '66480008', display: 'Left forearm' }] },
      extension: [{ url: REVIEWER_EXTENSION, valueReference: dermatologist }],
      content: { contentType: 'image/jpeg', data: jpegStub(random), title: `forearm-${i + 1}.jpg`, creation: at(consultAt + i * 60_000) },
    }),
  );
  const intake = add<QuestionnaireResponse>({
    resourceType: 'QuestionnaireResponse',
    meta: { tag },
    identifier: ours('QuestionnaireResponse'),
    basedOn: [consult],
    status: 'completed',
    subject: patient,
    encounter: lastEncounter,
    authored: at(consultAt),
    author: patient,
    source: patient,
    item: [
      { linkId: 'duration-weeks', text: 'How many weeks have you had the rash?', answer: [{ valueInteger: int(1, 12) }] },
      { linkId: 'itch', text: 'Does it itch?', answer: [{ valueBoolean: random() < 0.7 }] },
      { linkId: 'changed', text: 'Has it changed in size, shape or colour?', answer: [{ valueCoding: { system: 'http://terminology.hl7.org/CodeSystem/v2-0136', code: pick(['Y', 'N']) } }] },
      { linkId: 'best-photo', text: 'Which photo shows it best?', answer: [{ valueReference: pick(photos) }] },
      { linkId: 'history', text: 'History', item: [{ linkId: 'history.notes', text: 'Anything else?', answer: [{ valueString: 'Started after gardening; worse at night. Ünïcode ✓' }] }] },
    ],
  });
  entries.push({
    fullUrl: consultFullUrl,
    request: { method: 'POST', url: 'ServiceRequest' },
    resource: {
      resourceType: 'ServiceRequest',
      meta: { tag },
      identifier: [ours('ServiceRequest')],
      status: 'active',
      intent: 'order',
      priority: 'routine',
      category: [{ coding: [{ system: SCT, code: '386053000', display: 'Evaluation procedure' }] }],
      code: { coding: [{ system: SCT, code: '11429006', display: 'Consultation' }], text: 'Store-and-forward dermatology consult' },
      subject: patient,
      encounter: lastEncounter,
      authoredOn: at(consultAt),
      requester: gp,
      performerType: { coding: [{ system: SCT, code: '394582007', display: 'Dermatology' }] },
      performer: [dermatologist],
      reasonReference: [rash],
      supportingInfo: [...lastVitals, intake, ...photos],
      extension: [{ url: REVIEWER_EXTENSION, valueReference: dermatologist }],
      note: [{ text: 'Please review the photos; patient is anxious about melanoma.' }],
    } satisfies ServiceRequest,
  });
  counts.ServiceRequest = (counts.ServiceRequest ?? 0) + 1;
  add<Task>({
    resourceType: 'Task',
    meta: { tag },
    identifier: [ours('Task')],
    basedOn: [consult],
    status: 'requested',
    businessStatus: { text: 'awaiting specialist review' },
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
    focus: consult,
    for: patient,
    encounter: lastEncounter,
    authoredOn: at(consultAt),
    lastModified: at(consultAt + 10 * 60_000),
    requester: gp,
    owner: dermatologist,
    input: [
      ...photos.map((p) => ({ type: { text: 'photo' }, valueReference: p })),
      { type: { text: 'intake' }, valueReference: intake },
    ],
  });

  return {
    key,
    // Through JSON once, so that what tests compare is exactly what goes on the wire (no undefined members).
    bundle: JSON.parse(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries })),
    counts,
    patientIdentifier: `${key}/Patient/0`,
  };
}

/** A seeded Fisher-Yates shuffle of a copy of `items`. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A few hundred seeded bytes behind a JPEG start-of-image marker, base64-encoded (a stand-in photo). */
function jpegStub(random: () => number): string {
  const bytes = Buffer.alloc(256 + Math.floor(random() * 256));
  bytes[0] = 0xff;
  bytes[1] = 0xd8;
  for (let i = 2; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes.toString('base64');
}

/** This resource's identifier value in RESOURCE_SYSTEM (Identifier or Identifier[]), if it has one. */
export function ourIdentifier(resource: Resource): string | undefined {
  const raw = (resource as { identifier?: Identifier | Identifier[] }).identifier;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.find((i) => i.system === RESOURCE_SYSTEM)?.value;
}
