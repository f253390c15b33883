import type { Task } from '@medplum/fhirtypes';
import { consultFacts, lateness, type ConsultFacts, type TaskVersion } from './consults';

const BASE_URL = 'http://relay.test/fhir';
const FULFILL = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };

/** Versions of one consult Task: each entry is [lastUpdated, status, extra elements]. */
function task(...steps: [string, Task['status'], Partial<Task>?][]): TaskVersion[] {
  return steps.map(([at, status, extra], i) => ({
    id: 't',
    versionId: i + 1,
    lastUpdatedMs: Date.parse(at),
    resource: { resourceType: 'Task', id: 't', status, intent: 'order', code: FULFILL, focus: { reference: 'ServiceRequest/s' }, ...extra },
  }));
}

describe('$stats consult facts', () => {
  it('the first action is the first status a specialist sets after submission (on-hold counts, received does not)', () => {
    const facts = consultFacts(task(['2026-01-05T09:00:00Z', 'requested'], ['2026-01-05T09:30:00Z', 'received'], ['2026-01-05T09:45:00Z', 'on-hold']), BASE_URL);
    expect(facts?.firstActionMs).toBe(Date.parse('2026-01-05T09:45:00Z'));
    expect(facts?.completedMs).toBeUndefined();
  });

  it('a status set before submission is no action; the ServiceRequest may come from basedOn', () => {
    const versions = task(['2026-01-05T08:00:00Z', 'accepted', { focus: undefined, basedOn: [{ reference: `${BASE_URL}/ServiceRequest/s2` }] }], ['2026-01-05T09:00:00Z', 'requested', { focus: undefined, basedOn: [{ reference: 'ServiceRequest/s2/_history/3' }] }]);
    const facts = consultFacts(versions, BASE_URL);
    expect(facts).toMatchObject({ request: 'ServiceRequest/s2', submittedMs: Date.parse('2026-01-05T09:00:00Z') });
    expect(facts?.firstActionMs).toBeUndefined();
  });

  it('a completed consult without an owner at completion is credited to the current owner', () => {
    const versions = task(['2026-01-05T09:00:00Z', 'requested'], ['2026-01-05T10:00:00Z', 'completed'], ['2026-01-05T11:00:00Z', 'completed', { owner: { reference: 'Practitioner/x' } }]);
    expect(consultFacts(versions, BASE_URL)?.specialist).toBe('Practitioner/x');
  });

  describe('lateness', () => {
    const facts = (extra: Partial<ConsultFacts>): ConsultFacts => ({ taskId: 't', request: 'ServiceRequest/s', submittedMs: 0, status: 'in-progress', ...extra });
    const due = (end: string) => consultFacts(task(['2026-01-05T09:00:00Z', 'requested', { restriction: { period: { end } } }]), BASE_URL)?.dueEndMs;

    it('a due time lasts to the end of its precision (FHIR Period.end)', () => {
      expect(due('2026-01-06T10:00:00Z')).toBe(Date.parse('2026-01-06T10:00:01Z'));
      expect(due('2026-01-06T10:00:00.250Z')).toBe(Date.parse('2026-01-06T10:00:00.251Z'));
      expect(due('2026-01-06')).toBe(Date.parse('2026-01-07T00:00:00Z'));
    });

    it('open past the due time is overdue; at the due time it is not', () => {
      const dueEndMs = Date.parse('2026-01-06T10:00:01Z');
      expect(lateness(facts({ dueEndMs }), dueEndMs - 1)).toEqual({ completedLate: false, overdueOpen: false });
      expect(lateness(facts({ dueEndMs }), dueEndMs)).toEqual({ completedLate: false, overdueOpen: true });
      expect(lateness(facts({ dueEndMs, status: 'on-hold' }), dueEndMs)).toEqual({ completedLate: false, overdueOpen: true });
      for (const status of ['completed', 'failed', 'cancelled', 'rejected']) expect(lateness(facts({ dueEndMs, status }), dueEndMs + 1).overdueOpen).toBe(false);
      expect(lateness(facts({}), Number.MAX_SAFE_INTEGER)).toEqual({ completedLate: false, overdueOpen: false });
    });

    it('completed after the due time is late, however long ago', () => {
      const dueEndMs = Date.parse('2026-01-06T10:00:01Z');
      expect(lateness(facts({ dueEndMs, status: 'completed', completedMs: dueEndMs - 1 }), dueEndMs + 1e9).completedLate).toBe(false);
      expect(lateness(facts({ dueEndMs, status: 'completed', completedMs: dueEndMs }), 0).completedLate).toBe(true);
    });
  });
});
