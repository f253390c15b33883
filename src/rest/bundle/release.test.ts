import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { FhirRequest } from '../types';
import { releaseEntry } from './release';
import { patientsOf } from '../../audit/patients';
import { classify } from '../../audit/classify';

const BASE = 'http://relay.test/fhir';

describe('releaseEntry', () => {
  const entries: BundleEntry[] = [
    { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', id: 'p1', name: [{ family: 'Okafor' }] }, request: { method: 'POST', url: 'Patient' } },
    { resource: { resourceType: 'Patient', id: 'p2', birthDate: '1984-02-29' }, request: { method: 'PUT', url: 'Patient/p2' } },
    {
      resource: { resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: `${BASE}/Patient/p3` }, valueQuantity: { value: 72 } },
      request: { method: 'POST', url: 'Observation' },
    },
    { resource: { resourceType: 'Task', status: 'draft', intent: 'order', for: { reference: 'Patient/p4' } }, request: { method: 'POST', url: 'Task' } },
    { resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'urn:uuid:1' } }, request: { method: 'POST', url: 'Encounter' } },
    { resource: { resourceType: 'Media', status: 'completed', content: { data: 'QUJD'.repeat(1000) }, subject: { reference: 'Patient/p5' } }, request: { method: 'POST', url: 'Media' } },
    { request: { method: 'GET', url: 'Observation?patient=Patient/p6' } },
  ];
  const bundle = (): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry: structuredClone(entries) });
  const what = classify('POST', '/');

  it('keeps of each entry what the audit trail reads: it names the same patients afterwards', () => {
    const sent = bundle();
    const before = patientsOf(what, sent, {}, BASE);
    expect(before).toEqual(['Patient/p1', 'Patient/p2', 'Patient/p3', 'Patient/p4', 'Patient/p5', 'Patient/p6']);
    sent.entry?.forEach((_, index) => releaseEntry(sent, index, []));
    expect(patientsOf(what, sent, {}, BASE)).toEqual(before);
    expect(sent.entry?.[5]).toEqual({ resource: { resourceType: 'Media', subject: { reference: 'Patient/p5' } }, request: { method: 'POST', url: 'Media' } });
    expect(sent.entry?.[6]).toEqual(entries[6]);
  });

  it("drops the body of the entry's requests", () => {
    const sent = bundle();
    const request: FhirRequest = { method: 'POST', type: 'Patient', query: {}, headers: {}, body: sent.entry?.[0].resource };
    const copy: FhirRequest = { ...request };
    releaseEntry(sent, 0, [request, copy]);
    expect([request.body, copy.body]).toEqual([undefined, undefined]);
    expect(sent.entry?.[0].resource).toEqual({ resourceType: 'Patient', id: 'p1' });
  });
});
