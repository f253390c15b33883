/**
 * The directory and the consults of `npm run bench:consult` (bench/consult-day.ts), seeded: specialists
 * licensed in most of the patients' states, referring practitioners, patients with a state, and one
 * draft consult ServiceRequest per consult of a direct-routed specialty without intake or media rules
 * (general, urology, pathology: src/consult/default-rules.json lists none of them), with a priority
 * (which sets the due time) and the minute of the simulated day it is submitted.
 */
import type { DiagnosticReport, Patient, Practitioner, PractitionerRole, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { LICENCE_JURISDICTION } from '../../src/consult/routing';
import { makePatient, makePractitioner, pick, type Random } from './search-data';

export const SPECIALTY_SYSTEM = 'https://relay.example/fhir/CodeSystem/consult-specialty';
export const STATES = ['WA', 'OR', 'CA', 'NY', 'TX'] as const;
/** Each specialist practises general medicine and one of these; consults are mostly general. */
const SECOND_SPECIALTIES = ['urology', 'pathology'] as const;
const SPECIALTY_MIX: [string, number][] = [
  ['general', 0.6],
  ['urology', 0.2],
  ['pathology', 0.2],
];
/** Due after 1, 4, 24 and 72 hours (default-rules.json dueHours). */
const PRIORITY_MIX: [NonNullable<ServiceRequest['priority']>, number][] = [
  ['stat', 0.02],
  ['asap', 0.08],
  ['urgent', 0.3],
  ['routine', 0.6],
];
const REASONS = ['Persistent rash', 'Haematuria', 'Raised PSA', 'Biopsy second opinion', 'Chronic fatigue', 'Abnormal liver tests', 'Recurrent UTI', 'Unexplained weight loss'];

export interface DirectorySize {
  specialists: number;
  referrers: number;
  patients: number;
}

export interface Directory {
  /** Every resource to PUT, in an order where references resolve (practitioners before their roles). */
  resources: Resource[];
  specialistRoles: string[];
  referrerRoles: string[];
  patients: string[];
}

export interface PlannedConsult {
  index: number;
  draft: ServiceRequest;
  specialty: string;
  priority: NonNullable<ServiceRequest['priority']>;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function weighted<T>(random: Random, mix: [T, number][]): T {
  let r = random();
  for (const [value, weight] of mix) {
    if (r < weight) return value;
    r -= weight;
  }
  return mix[mix.length - 1][0];
}

/** A licence qualification (the extension routing reads) for each of `states`. */
function licences(states: readonly string[]): Practitioner['qualification'] {
  return states.map((state) => ({
    code: { text: `Medical licence, ${state}` },
    extension: [{ url: LICENCE_JURISDICTION, valueCodeableConcept: { coding: [{ system: 'https://www.usps.com/', code: state }] } }],
  }));
}

/**
 * Specialist s is licensed in every state but STATES[s % 5] and practises general medicine plus
 * urology (even s) or pathology (odd s); referrers have roles without a consult specialty, so routing
 * never picks them; patient p lives in STATES[p % 5].
 */
export function makeDirectory(size: DirectorySize, random: Random): Directory {
  const resources: Resource[] = [{ resourceType: 'Organization', id: 'clinic', name: 'Riverside clinic' }, { resourceType: 'Organization', id: 'specialists', name: 'eConsult specialist group' }];
  const specialistRoles: string[] = [];
  for (let s = 0; s < size.specialists; s++) {
    const id = `spec-${pad(s, 3)}`;
    const base = makePractitioner(s, random);
    const states = STATES.filter((_, i) => i !== s % STATES.length);
    resources.push({ ...base, id, qualification: [...(base.qualification ?? []), ...(licences(states) ?? [])] } as Practitioner);
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: `${id}-role`,
      active: true,
      practitioner: { reference: `Practitioner/${id}` },
      organization: { reference: 'Organization/specialists' },
      specialty: [{ coding: [{ system: SPECIALTY_SYSTEM, code: 'general' }] }, { coding: [{ system: SPECIALTY_SYSTEM, code: SECOND_SPECIALTIES[s % 2] }] }],
    };
    resources.push(role);
    specialistRoles.push(`PractitionerRole/${role.id}`);
  }
  const referrerRoles: string[] = [];
  for (let r = 0; r < size.referrers; r++) {
    const id = `ref-${pad(r, 3)}`;
    resources.push({ ...makePractitioner(10_000 + r, random), id } as Practitioner);
    resources.push({ resourceType: 'PractitionerRole', id: `${id}-role`, active: true, practitioner: { reference: `Practitioner/${id}` }, organization: { reference: 'Organization/clinic' } } as PractitionerRole);
    referrerRoles.push(`PractitionerRole/${id}-role`);
  }
  const patients: string[] = [];
  for (let p = 0; p < size.patients; p++) {
    const base = makePatient(p, random);
    const id = `pat-${pad(p, 5)}`;
    resources.push({ ...base, id, address: (base.address ?? []).map((a) => ({ ...a, state: STATES[p % STATES.length] })) } as Patient);
    patients.push(`Patient/${id}`);
  }
  return { resources, specialistRoles, referrerRoles, patients };
}

/** Consult `index` of the day: a draft ServiceRequest (no performer: routing chooses the specialist). */
export function planConsult(index: number, directory: Directory, random: Random): PlannedConsult {
  const specialty = weighted(random, SPECIALTY_MIX);
  const priority = weighted(random, PRIORITY_MIX);
  const draft: ServiceRequest = {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    priority,
    category: [{ coding: [{ system: SPECIALTY_SYSTEM, code: specialty }] }],
    code: { text: 'eConsult' },
    subject: { reference: pick(random, directory.patients) },
    requester: { reference: pick(random, directory.referrerRoles) },
    reasonCode: [{ text: pick(random, REASONS) }],
    note: [{ text: `Consult ${index + 1} of the day.` }],
  };
  return { index, draft, specialty, priority };
}

/** The specialist's final report, which completes the consult by itself (README "Questions, answers, reports"). */
export function finalReport(requestId: string, subject: string, owner: string): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    status: 'final',
    code: { text: 'Consult report' },
    basedOn: [{ reference: `ServiceRequest/${requestId}` }],
    subject: { reference: subject },
    resultsInterpreter: [{ reference: owner }],
    conclusion: 'Reviewed; advice given to the referring clinician.',
  };
}
