/**
 * The consult state machine (../shared/workflow.md; src/consult/states.ts) over every (from, to, role):
 * a transition the table allows that role succeeds, keeps the ServiceRequest in step and records a
 * Provenance; every other one fails (409 naming the allowed transitions, or 403 for a caller outside
 * the consult) and changes nothing.
 */
import type { Bundle, OperationOutcome, Provenance, ServiceRequest, Task } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { bearer } from './helpers/auth';
import { consultIn, makeDirectory, type Directory, type Who } from './helpers/consult';
import { requestStatusFor, TASK_STATUSES, transition, type TaskStatus } from '../src/consult/states';

let t: TestApp;
let d: Directory;

beforeAll(async () => {
  t = await startTestApp({ auth: 'smart' });
  d = await makeDirectory(t, 'm');
});

afterAll(() => t.close());

const WHO: Who[] = ['requester', 'owner', 'administrator', 'outsider'];
const cases = TASK_STATUSES.flatMap((from) => TASK_STATUSES.filter((to) => to !== from).flatMap((to) => WHO.map((who) => [from, to, who] as const)));
let n = 0;

function allowed(from: TaskStatus, to: TaskStatus, who: Who): boolean {
  const step = transition(from, to);
  return !!step && who !== 'outsider' && step.roles.includes(who);
}

describe('every (from, to, role) of the consult Task', () => {
  it.each(cases)('%s → %s by the %s', async (from, to, who) => {
    const { request, task } = await consultIn(t, d, `c${n++}`, from);
    const admin = bearer(d.tokens.administrator);
    const provenancesBefore = await provenanceCount(task.id as string);
    const res = await t.request.put(`/fhir/Task/${task.id}`).set(bearer(d.tokens[who])).send({ ...task, status: to });
    const after = (await t.request.get(`/fhir/Task/${task.id}`).set(admin)).body as Task;
    const requestAfter = (await t.request.get(`/fhir/ServiceRequest/${request.id}`).set(admin)).body as ServiceRequest;
    if (allowed(from, to, who)) {
      // A first submission is routed at once to the one specialist of the specialty (a second version, received);
      // a redirect after a rejection finds no one (the only specialist rejected it) and stays requested.
      const routed = from === 'draft' && to === 'requested';
      const final = routed ? 'received' : to;
      expect(res.status).toBe(200);
      expect((res.body as Task).status).toBe(to);
      expect(after.status).toBe(final);
      expect(requestAfter.status).toBe(requestStatusFor(final));
      const provenances = await provenancesOf(task.id as string);
      expect(provenances.length).toBe(provenancesBefore + (routed ? 2 : 1));
      const transitionVersion = Number(task.meta?.versionId) + 1;
      const recorded = provenances.find((p) => p.target.some((x) => x.reference === `Task/${task.id}/_history/${transitionVersion}`));
      expect(recorded?.activity?.coding?.[0].code).toBe(to);
      expect(recorded?.entity?.[0].what.reference).toBe(`Task/${task.id}/_history/${task.meta?.versionId}`);
      if (routed) expect(after.owner?.reference).toBe(d.ownerRole);
    } else {
      const body = res.body as OperationOutcome;
      expect(body.resourceType).toBe('OperationOutcome');
      if (who === 'outsider') {
        expect(res.status).toBe(403);
      } else {
        expect(res.status).toBe(409);
        expect(body.issue?.[0].expression).toEqual(['Task.status']);
        expect(body.issue?.[0].diagnostics).toMatch(new RegExp(`Allowed from ${from}:`));
      }
      expect(after.meta?.versionId).toBe(task.meta?.versionId);
      expect(after.status).toBe(from);
      expect(requestAfter.meta?.versionId).toBe(request.meta?.versionId);
      expect(await provenanceCount(task.id as string)).toBe(provenancesBefore);
    }
  });
});

async function provenancesOf(taskId: string): Promise<Provenance[]> {
  const res = await t.request.get(`/fhir/Provenance?target=Task/${taskId}&_count=100`).set(bearer(d.tokens.administrator)).expect(200);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Provenance);
}

async function provenanceCount(taskId: string): Promise<number> {
  return (await provenancesOf(taskId)).length;
}

describe('the same rules on every path', () => {
  it('applies to JSON Patch: an illegal status change is refused and a legal one recorded', async () => {
    const { task } = await consultIn(t, d, `p${n++}`, 'received');
    const patch = (status: string) => t.request.patch(`/fhir/Task/${task.id}`).set(bearer(d.tokens.owner)).set('Content-Type', 'application/json-patch+json').send([{ op: 'replace', path: '/status', value: status }]);
    const illegal = await patch('completed');
    expect(illegal.status).toBe(409);
    expect((illegal.body as OperationOutcome).issue?.[0].diagnostics).toMatch(/a consult cannot go from received to completed/);
    const legal = await patch('accepted');
    expect(legal.status).toBe(200);
    expect((legal.body as Task).status).toBe('accepted');
    expect((await provenancesOf(task.id as string)).some((p) => p.activity?.coding?.[0].code === 'accepted')).toBe(true);
  });

  it('applies to transaction entries: an illegal one fails the whole transaction, pointing at its entry', async () => {
    const { request, task } = await consultIn(t, d, `p${n++}`, 'in-progress');
    const note = { resourceType: 'Observation', status: 'final', code: { text: 'note' }, subject: { reference: d.patient }, basedOn: [{ reference: `ServiceRequest/${request.id}` }] };
    const res = await t.request
      .post('/fhir')
      .set(bearer(d.tokens.owner))
      .send({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: note, request: { method: 'POST', url: 'Observation' } },
          { resource: { ...task, status: 'accepted' }, request: { method: 'PUT', url: `Task/${task.id}` } },
        ],
      });
    expect(res.status).toBe(409);
    const issue = (res.body as OperationOutcome).issue?.[0];
    expect(issue?.expression?.[0]).toMatch(/^Bundle\.entry\[1\]/);
    expect(issue?.diagnostics).toMatch(/a consult cannot go from in-progress to accepted/);
    const after = (await t.request.get(`/fhir/Task/${task.id}`).set(bearer(d.tokens.administrator))).body as Task;
    expect(after.meta?.versionId).toBe(task.meta?.versionId);
    const requestAfter = (await t.request.get(`/fhir/ServiceRequest/${request.id}`).set(bearer(d.tokens.administrator))).body as ServiceRequest;
    expect(requestAfter.meta?.versionId).toBe(request.meta?.versionId);
  });

  it('refuses to delete a submitted consult, and lets the requester delete a draft', async () => {
    const submitted = await consultIn(t, d, `p${n++}`, 'in-progress');
    const refused = await t.request.delete(`/fhir/Task/${submitted.task.id}`).set(bearer(d.tokens.requester));
    expect(refused.status).toBe(409);
    expect((refused.body as OperationOutcome).issue?.[0].diagnostics).toMatch(/only a draft is deleted by its requester/);
    const draft = await consultIn(t, d, `p${n++}`, 'draft');
    await t.request.delete(`/fhir/Task/${draft.task.id}`).set(bearer(d.tokens.requester)).expect(200);
  });
});
