/** The five load cases: two raw Express baselines and three Relay interactions. */
import type { CaseSpec } from './load';
import { FHIR } from './fhir-client';
import { makePatient } from './patient';

export type CaseKey = 'rawGet' | 'read' | 'rawPost' | 'create' | 'update';

/** Measuring order within a round: each baseline just before the Relay cases compared with it. */
export const ORDER: readonly CaseKey[] = ['rawGet', 'read', 'rawPost', 'create', 'update'];

/**
 * `ids` are pre-created Patients (read and update rotate over them); `firstSeq` numbers the new
 * Patient bodies so that every create and every update carries different content.
 */
export function buildCases(rawUrl: string, relayUrl: string, ids: readonly string[], firstSeq: number): Record<CaseKey, CaseSpec> {
  let seq = firstSeq;
  let turn = 0;
  const nextId = () => ids[turn++ % ids.length];
  return {
    rawGet: { name: 'raw Express GET', url: rawUrl, method: 'GET', next: () => ({ path: '/raw' }) },
    rawPost: {
      name: 'raw Express POST',
      url: rawUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      next: () => ({ path: '/raw', body: JSON.stringify(makePatient(seq++)) }),
    },
    read: { name: 'Relay read', url: relayUrl, method: 'GET', headers: { accept: FHIR }, next: () => ({ path: `/fhir/Patient/${nextId()}` }) },
    create: {
      name: 'Relay create',
      url: relayUrl,
      method: 'POST',
      headers: { accept: FHIR, 'content-type': FHIR },
      next: () => ({ path: '/fhir/Patient', body: JSON.stringify(makePatient(seq++)) }),
    },
    update: {
      name: 'Relay update',
      url: relayUrl,
      method: 'PUT',
      headers: { accept: FHIR, 'content-type': FHIR },
      next: () => {
        const id = nextId();
        return { path: `/fhir/Patient/${id}`, body: JSON.stringify(makePatient(seq++, id)) };
      },
    },
  };
}
