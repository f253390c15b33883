import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import type { FhirResult } from '../types';
import type { Repository } from '../../repository/repository';
import type { Interaction, InteractionCode } from '../interactions';
import { parsePrefer } from '../../fhir/prefer';
import { informational } from '../../fhir/outcome';
import { versionOf } from '../version';
import { lean, ResponseEntries } from './response';

const BASE = 'http://relay.test/fhir';
const stored: Patient = { resourceType: 'Patient', id: 'p1', meta: { versionId: '2', lastUpdated: '2026-01-02T03:04:05.678Z' }, name: [{ family: 'Okafor' }] };
const interaction = (code: InteractionCode): Interaction => ({ code, level: 'instance', method: 'PUT', path: '/:type/:id', handler: async () => ({ kind: 'ok' }) });
const entry = (code: InteractionCode, index = 0, method: 'PUT' | 'GET' | 'DELETE' = 'PUT') => ({ index, method, interaction: interaction(code) });
const updated: FhirResult = { kind: 'ok', body: stored, version: versionOf(stored) };
/** A repository that reads back `stored` only. */
const repo = {
  writtenVersion: async (type: string, id: string, versionId: string): Promise<Resource> => {
    if (`${type}/${id}/${versionId}` !== 'Patient/p1/2') throw new Error('no such version');
    return structuredClone(stored);
  },
} as unknown as Repository;

async function sent(result: FhirResult): Promise<Bundle> {
  const body = result.body as Bundle;
  const complete = result.completeEntry ?? (async (e) => e);
  return { ...body, entry: await Promise.all((body.entry ?? []).map((e, i) => complete(e, i))) };
}

describe('lean', () => {
  it('leaves out the body of a create, update or patch when it is the version the write stored', () => {
    for (const code of ['create', 'update', 'patch'] as const) {
      expect(lean(entry(code), updated)).toEqual({ kind: 'ok', version: versionOf(stored), stored: true });
    }
  });

  it('keeps every other body: a read, a delete, an OperationOutcome, a body that is not that version', () => {
    const outcome = informational('done');
    expect(lean(entry('read', 0, 'GET'), updated)).toBe(updated);
    expect(lean(entry('delete', 0, 'DELETE'), { kind: 'ok', body: outcome, version: versionOf(stored) }).body).toBe(outcome);
    const other = { ...updated, version: { ...versionOf(stored), versionId: '3' } };
    expect(lean(entry('update'), other)).toBe(other);
  });
});

describe('ResponseEntries', () => {
  it('reads the stored version back into its entry as it is sent, as the entry would have held it', async () => {
    const responses = new ResponseEntries(BASE, parsePrefer(undefined));
    responses.succeeded(entry('update'), lean(entry('update'), updated));
    const result = responses.result('transaction-response', repo);
    expect(result.body).toEqual({ resourceType: 'Bundle', type: 'transaction-response', entry: [{ response: { status: '200 OK', etag: 'W/"2"', lastModified: stored.meta?.lastUpdated } }] });
    const whole = new ResponseEntries(BASE, parsePrefer(undefined));
    whole.succeeded(entry('update'), updated);
    expect(JSON.stringify(await sent(result))).toBe(JSON.stringify(whole.result('transaction-response', repo).body));
    expect(Object.keys((await sent(result)).entry?.[0] ?? {})).toEqual(['fullUrl', 'resource', 'response']);
  });

  it('reads nothing back under Prefer: return=minimal or return=OperationOutcome', async () => {
    for (const prefer of ['return=minimal', 'return=OperationOutcome']) {
      const responses = new ResponseEntries(BASE, parsePrefer(prefer));
      responses.succeeded(entry('update'), lean(entry('update'), updated));
      const result = responses.result('batch-response', repo);
      expect(result.completeEntry).toBeUndefined();
      const [only] = (result.body as Bundle).entry ?? [];
      expect(only.resource).toBeUndefined();
      expect(only.response?.outcome === undefined).toBe(prefer === 'return=minimal');
    }
  });

  it('completes only the entries that lack their resource', async () => {
    const responses = new ResponseEntries(BASE, parsePrefer(undefined));
    responses.succeeded(entry('read', 0, 'GET'), updated);
    responses.succeeded(entry('update', 1), lean(entry('update', 1), updated));
    const result = responses.result('batch-response', repo);
    const [read, update] = (result.body as Bundle).entry ?? [];
    expect(await result.completeEntry?.(read, 0)).toBe(read);
    expect((await result.completeEntry?.(update, 1))?.resource).toEqual(stored);
  });
});
