/** Realistic, valid R4 Patients for the load cases (and the baseline POST, so both carry the same body). */
import type { Patient } from '@medplum/fhirtypes';

const FAMILIES = ['Nakamura', 'Okafor', 'García', 'Lindqvist', 'Haddad', 'Kowalski', 'Mensah', 'Dubois', 'Silva', 'Chen'];
const GIVENS = ['Amara', 'Jonas', 'Priya', 'Mateo', 'Yuki', 'Fatima', 'Liam', 'Noor', 'Elena', 'Tariq'];
const CITIES = ['Springfield', 'Riverside', 'Fairview', 'Madison', 'Georgetown'];
const GENDERS: NonNullable<Patient['gender']>[] = ['female', 'male', 'other', 'unknown'];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Patient number `seq` (deterministic); `id` is set for updates, omitted for creates. */
export function makePatient(seq: number, id?: string): Patient {
  const family = FAMILIES[seq % FAMILIES.length];
  const given = GIVENS[Math.floor(seq / FAMILIES.length) % GIVENS.length];
  return {
    resourceType: 'Patient',
    ...(id ? { id } : {}),
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        system: 'http://hospital.example.org/mrn',
        value: `MRN-${pad(seq, 8)}`,
      },
    ],
    active: true,
    name: [{ use: 'official', family, given: [given, GIVENS[(seq + 3) % GIVENS.length]] }],
    telecom: [
      { system: 'phone', value: `+1-555-${pad(seq % 10000, 4)}`, use: 'mobile' },
      { system: 'email', value: `${given.toLowerCase()}.${seq}@example.org`, use: 'home' },
    ],
    gender: GENDERS[seq % GENDERS.length],
    birthDate: `${1940 + (seq % 70)}-${pad(1 + (seq % 12), 2)}-${pad(1 + (seq % 28), 2)}`,
    address: [
      {
        use: 'home',
        line: [`${1 + (seq % 999)} Main Street`],
        city: CITIES[seq % CITIES.length],
        postalCode: pad(seq % 100000, 5),
        country: 'US',
      },
    ],
  };
}
