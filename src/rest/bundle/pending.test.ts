import type { Resource } from '@medplum/fhirtypes';
import { PendingWrites } from './pending';
import type { PlannedEntry } from './plan';
import type { EntryMethod } from './entries';
import type { Interaction } from '../interactions';

function planned(index: number, method: EntryMethod, type: string, ids: { id?: string; assignedId?: string }, body?: unknown): PlannedEntry {
  const code = method === 'POST' ? 'create' : method === 'PUT' ? 'update' : 'patch';
  return {
    index,
    method,
    url: type,
    interaction: { code, level: 'type', method: method as Interaction['method'], path: '/:type', handler: async () => ({ kind: 'ok' }) },
    request: { method, type, query: {}, headers: {}, body, ...ids },
  };
}

describe('PendingWrites', () => {
  const patient = { resourceType: 'Patient', name: [{ family: 'Okafor' }] };
  const task = { resourceType: 'Task', id: 'sent-id', status: 'draft' };

  it('serves what a POST (under its pre-assigned id) or a PUT will write, until the entry has run', () => {
    const post = planned(0, 'POST', 'Patient', { assignedId: 'p1' }, patient);
    const put = planned(1, 'PUT', 'Task', { id: 't1' }, { ...task, id: 't1' });
    const pending = new PendingWrites([post, put]);
    expect(pending.get('Patient/p1')).toEqual({ ...patient, id: 'p1' });
    expect(pending.get('Task/t1')).toEqual({ ...task, id: 't1' });
    pending.ran(post);
    expect(pending.get('Patient/p1')).toBeUndefined();
    expect(pending.get('Task/t1')).toEqual({ ...task, id: 't1' });
  });

  it('serves nothing for a PATCH, a conditional PUT without an id, or a body that is not a resource of the URL type', () => {
    const entries = [
      planned(0, 'PATCH', 'Patient', { id: 'p2' }, [{ op: 'remove', path: '/name' }]),
      planned(1, 'PUT', 'Patient', {}, { ...patient, id: 'p3' }),
      planned(2, 'PUT', 'Patient', { id: 'p4' }, task),
      planned(3, 'POST', 'Patient', { assignedId: 'p5' }, 'not a resource'),
    ];
    const pending = new PendingWrites(entries);
    for (const identity of ['Patient/p2', 'Patient/p3', 'Patient/p4', 'Patient/p5']) expect(pending.get(identity)).toBeUndefined();
  });

  it('leaves the planned body as it is (each lookup gets its own copy)', () => {
    const post = planned(0, 'POST', 'Patient', { assignedId: 'p6' }, patient);
    const pending = new PendingWrites([post]);
    (pending.get('Patient/p6') as Resource & { active?: boolean }).active = true;
    expect(post.request.body).toBe(patient);
    expect(pending.get('Patient/p6')).toEqual({ ...patient, id: 'p6' });
  });
});
