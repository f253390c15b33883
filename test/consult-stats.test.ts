/**
 * $stats (Relay's OperationDefinition `stats`; README "Consult workflow", "$stats"): turnaround
 * figures of the consults submitted in [start, end), computed from the stored Task history. The
 * server clock is injected, so every lastUpdated, and therefore every figure, is exact: consults are
 * moved through the state machine by PUTs at chosen clock times (as the open-mode operator, legal
 * transitions only, a final DiagnosticReport before completion).
 */
import type { CapabilityStatement, OperationOutcome, Parameters, ParametersParameter, Task } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { accessToken, bearer } from './helpers/auth';

const FHIR = 'application/fhir+json';
const SPECIALTY = 'https://relay.example/fhir/CodeSystem/consult-specialty';
const FULFILL = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };
const DUE_HOURS: Record<string, number> = { stat: 1, asap: 4, urgent: 24, routine: 72 };
const ref = (reference: string) => ({ reference });

type Json = Record<string, unknown>;
type Headers = Record<string, string>;

/** One group of the answer: [count, [n, median, p90] to first action, [n, median, p90] to completion, [overdue, open, late]]. */
type Figures = [number, (number | undefined)[], (number | undefined)[], number[]];

/** The answer's groups by "by/key" (key: the specialty code, the specialist reference, the priority code, or the placeholder). */
function figures(answer: Parameters): Map<string, Figures> {
  const out = new Map<string, Figures>();
  for (const group of (answer.parameter ?? []).filter((p) => p.name === 'group')) {
    const part = (name: string): ParametersParameter | undefined => group.part?.find((p) => p.name === name);
    const key = part('key');
    const keyText = key ? (key.valueCoding?.code ?? key.valueReference?.reference ?? key.valueCode ?? key.valueString) : '-';
    const int = (name: string) => part(name)?.valueInteger as number;
    const minutes = (name: string) => part(name)?.valueQuantity?.value;
    const d = (prefix: string) => [int(`${prefix}Count`), minutes(`${prefix}Median`), minutes(`${prefix}P90`)];
    out.set(`${part('by')?.valueCode}/${keyText}`, [int('count'), d('firstAction'), d('completion'), [int('overdue'), int('overdueOpen'), int('completedLate')]]);
  }
  return out;
}
const none = [0, undefined, undefined];

/** Creates and moves consults; every write happens at the clock time set last. */
function consultDriver(t: TestApp, setNow: (iso: string) => void, headers: () => Headers = () => ({})) {
  const send = async (method: 'post' | 'put', path: string, body: Json, as: Headers = headers()) => {
    const res = await t.request[method](`/fhir/${path}`).set('Content-Type', FHIR).set(as).send(body);
    if (res.status !== 200 && res.status !== 201) throw new Error(`${method.toUpperCase()} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Json;
  };
  const driver = {
    create: (resource: Json, as?: Headers) => send('post', resource.resourceType as string, resource, as),
    /** A draft consult (ServiceRequest and Task) created at `at`. */
    async draft(at: string, o: { specialty: string; priority: string; patient: string; requester: string }, as?: Headers) {
      setNow(at);
      const sr = await driver.create({ resourceType: 'ServiceRequest', status: 'draft', intent: 'order', category: [{ coding: [{ system: SPECIALTY, code: o.specialty }] }], priority: o.priority, code: { text: 'Store-and-forward consult' }, subject: ref(o.patient), requester: ref(o.requester), reasonCode: [{ text: 'advice requested' }] }, as);
      const task = await driver.create({ resourceType: 'Task', status: 'draft', intent: 'order', priority: o.priority, code: FULFILL, focus: ref(`ServiceRequest/${sr.id}`), basedOn: [ref(`ServiceRequest/${sr.id}`)], for: ref(o.patient), requester: ref(o.requester) }, as);
      return { sr: sr.id as string, task: task.id as string, priority: o.priority, patient: o.patient };
    },
    /** Sets the Task's status (and `changes`) at `at`, starting from its stored current version. */
    async move(taskId: string, at: string, status: Task['status'], changes: Json = {}, as: Headers = headers()) {
      setNow(at);
      const current = (await t.request.get(`/fhir/Task/${taskId}`).set(as).expect(200)).body as Json;
      if (current.status === status && Object.keys(changes).length === 0) return current;
      return send('put', `Task/${taskId}`, { ...current, ...changes, status }, as);
    },
    /** Submits at `at`, with the due time a due-from-priority rule gives (submission + hours of the priority). */
    submit(c: { task: string; priority: string }, at: string, as?: Headers) {
      const due = new Date(Date.parse(at) + DUE_HOURS[c.priority] * 3_600_000).toISOString();
      return driver.move(c.task, at, 'requested', { restriction: { period: { end: due } } }, as);
    },
    /** At `at`: a final report based on the consult, then the Task completed with it as output. */
    async complete(c: { sr: string; task: string; patient: string }, at: string, interpreter: string) {
      setNow(at);
      const report = await driver.create({ resourceType: 'DiagnosticReport', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }] }, basedOn: [ref(`ServiceRequest/${c.sr}`)], subject: ref(c.patient), resultsInterpreter: [ref(interpreter)], conclusion: 'Advice given.' });
      return driver.move(c.task, at, 'completed', { output: [{ type: { text: 'consult report' }, valueReference: ref(`DiagnosticReport/${report.id}`) }] });
    },
  };
  return driver;
}

describe('$stats through HTTP, with an injected clock', () => {
  let t: TestApp;
  let now = new Date('2026-01-05T08:00:00Z');
  const setNow = (iso: string) => {
    now = new Date(iso);
  };
  const ids: Record<string, string> = {};
  const stats = (query = '') => t.request.get(`/fhir/ServiceRequest/$stats${query}`);

  beforeAll(async () => {
    t = await startTestApp({}, { clock: () => now });
    const d = consultDriver(t, setNow);
    setNow('2026-01-04T08:00:00Z');
    const patient = `Patient/${(await d.create({ resourceType: 'Patient', identifier: [{ system: 'https://clinic.example/mrn', value: 'MRN-1' }], name: [{ family: 'Doe', given: ['Jane'] }], birthDate: '1970-01-01' })).id}`;
    const requester = `Practitioner/${(await d.create({ resourceType: 'Practitioner', name: [{ family: 'Carter' }] })).id}`;
    for (const who of ['A', 'B']) {
      const practitioner = await d.create({ resourceType: 'Practitioner', name: [{ family: `Specialist ${who}` }] });
      ids[who] = `PractitionerRole/${(await d.create({ resourceType: 'PractitionerRole', practitioner: ref(`Practitioner/${practitioner.id}`) })).id}`;
    }
    const draft = (at: string, specialty: string, priority: string) => d.draft(at, { specialty, priority, patient, requester });

    // C7, before the range: general, routine, A; accepted after 60 min; in progress, due 2026-01-07T23:00 (overdue now).
    const c7 = await draft('2026-01-04T22:55:00Z', 'general', 'routine');
    await d.submit(c7, '2026-01-04T23:00:00Z');
    await d.move(c7.task, '2026-01-04T23:30:00Z', 'received', { owner: ref(ids.A) });
    await d.move(c7.task, '2026-01-05T00:00:00Z', 'accepted');
    await d.move(c7.task, '2026-01-05T00:10:00Z', 'in-progress');

    // C1: general, routine, A; first action 60 min, completed after 360 min.
    const c1 = await draft('2026-01-05T08:00:00Z', 'general', 'routine');
    await d.submit(c1, '2026-01-05T09:00:00Z');
    await d.move(c1.task, '2026-01-05T09:10:00Z', 'received', { owner: ref(ids.A) });
    await d.move(c1.task, '2026-01-05T10:00:00Z', 'accepted');
    await d.move(c1.task, '2026-01-05T10:30:00Z', 'in-progress');
    await d.complete(c1, '2026-01-05T15:00:00Z', ids.A);

    // C2: general, urgent (due 2026-01-06T10:00), B; first action 20.5 min; completed 26 h = 1560 min after submission: late.
    const c2 = await draft('2026-01-05T09:55:00Z', 'general', 'urgent');
    await d.submit(c2, '2026-01-05T10:00:00Z');
    await d.move(c2.task, '2026-01-05T10:05:00Z', 'received', { owner: ref(ids.B) });
    await d.move(c2.task, '2026-01-05T10:20:30Z', 'accepted');
    await d.move(c2.task, '2026-01-05T11:00:00Z', 'in-progress');
    await d.complete(c2, '2026-01-06T12:00:00Z', ids.B);

    // C3: urology, routine, A; rejected after 75 min (the first action).
    const c3 = await draft('2026-01-06T07:55:00Z', 'urology', 'routine');
    await d.submit(c3, '2026-01-06T08:00:00Z');
    await d.move(c3.task, '2026-01-06T08:30:00Z', 'received', { owner: ref(ids.A) });
    await d.move(c3.task, '2026-01-06T09:15:00Z', 'rejected', { statusReason: { text: 'better seen in person' } });

    // C4: urology, stat (due 2026-01-07T13:00), B; accepted after 45 min, in progress ever since.
    const c4 = await draft('2026-01-07T11:55:00Z', 'urology', 'stat');
    await d.submit(c4, '2026-01-07T12:00:00Z');
    await d.move(c4.task, '2026-01-07T12:01:00Z', 'received', { owner: ref(ids.B) });
    await d.move(c4.task, '2026-01-07T12:45:00Z', 'accepted');
    await d.move(c4.task, '2026-01-07T12:50:00Z', 'in-progress');

    // C5: urology, asap (due 2026-01-08T04:00), A; accepted after 60 min; failed at 07:00 (failed is not overdue).
    const c5 = await draft('2026-01-07T23:55:00Z', 'urology', 'asap');
    await d.submit(c5, '2026-01-08T00:00:00Z');
    await d.move(c5.task, '2026-01-08T00:30:00Z', 'received', { owner: ref(ids.A) });
    await d.move(c5.task, '2026-01-08T01:00:00Z', 'accepted');
    await d.move(c5.task, '2026-01-08T01:30:00Z', 'in-progress');
    await d.move(c5.task, '2026-01-08T07:00:00Z', 'failed', { statusReason: { text: 'images not gradable' } });

    // C6: general, routine, submitted 2026-01-09T00:00 and not yet routed (unassigned, due 2026-01-12).
    const c6 = await draft('2026-01-08T23:55:00Z', 'general', 'routine');
    await d.submit(c6, '2026-01-09T00:00:00Z');

    // A draft never submitted counts nowhere.
    await draft('2026-01-09T08:00:00Z', 'general', 'routine');
    setNow('2026-01-10T00:00:00Z');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is listed in the CapabilityStatement on ServiceRequest', async () => {
    const cs = (await t.request.get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const sr = cs.rest?.[0].resource?.find((r) => r.type === 'ServiceRequest');
    expect(sr?.operation).toContainEqual({ name: 'stats', definition: 'https://relay.example/fhir/OperationDefinition/stats' });
  });

  it('figures the consults submitted in [start, end) overall, by specialty, specialist and priority', async () => {
    const res = await stats('?start=2026-01-05&end=2026-01-10').expect(200);
    const answer = res.body as Parameters;
    expect(answer.resourceType).toBe('Parameters');
    expect(answer.parameter?.slice(0, 3)).toEqual([
      { name: 'start', valueDateTime: '2026-01-05' },
      { name: 'end', valueDateTime: '2026-01-10' },
      { name: 'now', valueInstant: '2026-01-10T00:00:00.000Z' },
    ]);
    const overallMedian = answer.parameter?.[3].part?.find((p) => p.name === 'firstActionMedian');
    expect(overallMedian).toEqual({ name: 'firstActionMedian', valueQuantity: { value: 60, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' } });
    const A = ids.A;
    const B = ids.B;
    // In range: C1 (60, 360), C2 (20.5, 1560, late), C3 (75), C4 (45, open past due), C5 (60, failed), C6 (nothing yet).
    expect(Object.fromEntries(figures(answer))).toEqual({
      // first action 20.5 45 60 60 75 → median 60, p90 rank ⌈4.5⌉ = 5 → 75; completion 360 1560 → 960, rank ⌈1.8⌉ = 2 → 1560
      'overall/-': [6, [5, 60, 75], [2, 960, 1560], [2, 1, 1]],
      // C1, C2, C6: first action 20.5 60 → 40.25 → 40.3, rank 2 → 60
      'specialty/general': [3, [2, 40.3, 60], [2, 960, 1560], [1, 0, 1]],
      // C3, C4, C5: 45 60 75 → 60, rank ⌈2.7⌉ = 3 → 75
      'specialty/urology': [3, [3, 60, 75], none, [1, 1, 0]],
      // C1, C3, C5: 60 60 75 → 60, 75
      [`specialist/${A}`]: [3, [3, 60, 75], [1, 360, 360], [0, 0, 0]],
      // C2, C4: 20.5 45 → 32.75 → 32.8, rank 2 → 45
      [`specialist/${B}`]: [2, [2, 32.8, 45], [1, 1560, 1560], [2, 1, 1]],
      'specialist/unassigned': [1, none, none, [0, 0, 0]],
      // C1, C3, C6: 60 75 → 67.5, rank 2 → 75
      'priority/routine': [3, [2, 67.5, 75], [1, 360, 360], [0, 0, 0]],
      'priority/urgent': [1, [1, 20.5, 20.5], [1, 1560, 1560], [1, 0, 1]],
      'priority/asap': [1, [1, 60, 60], none, [0, 0, 0]],
      'priority/stat': [1, [1, 45, 45], none, [1, 1, 0]],
    });
    // Groups come in a fixed order: overall, specialties, specialists (unassigned last), priorities by urgency.
    const order = [...figures(answer).keys()];
    expect(order.slice(0, 3)).toEqual(['overall/-', 'specialty/general', 'specialty/urology']);
    expect(order[5]).toBe('specialist/unassigned');
    expect(order.slice(6)).toEqual(['priority/routine', 'priority/urgent', 'priority/asap', 'priority/stat']);
  });

  it('takes start and end from a POSTed Parameters as well', async () => {
    const body: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'start', valueDateTime: '2026-01-05' }, { name: 'end', valueDateTime: '2026-01-10' }] };
    const posted = (await t.request.post('/fhir/ServiceRequest/$stats').set('Content-Type', FHIR).send(body).expect(200)).body as Parameters;
    const got = (await stats('?start=2026-01-05&end=2026-01-10').expect(200)).body as Parameters;
    expect(posted).toEqual(got);
  });

  it('start is inclusive, end exclusive; without them every submitted consult counts', async () => {
    const overall = async (query: string) => figures((await stats(query).expect(200)).body as Parameters).get('overall/-');
    // + C7 (60, open past its due time): first action 20.5 45 60 60 60 75 → 60, rank ⌈5.4⌉ = 6 → 75
    expect(await overall('')).toEqual([7, [6, 60, 75], [2, 960, 1560], [3, 2, 1]]);
    expect(await overall('?start=2026-01-09')).toEqual([1, none, none, [0, 0, 0]]); // C6, submitted at 00:00
    expect(await overall('?start=2026-01-09T00:00:00.001Z')).toEqual([0, none, none, [0, 0, 0]]);
    expect(await overall('?end=2026-01-09')).toEqual([6, [6, 60, 75], [2, 960, 1560], [3, 2, 1]]); // C7, C1..C5
    expect(await overall('?start=2026-01-04T23:00:00Z&end=2026-01-05T09:00:00Z')).toEqual([1, [1, 60, 60], none, [1, 1, 0]]); // C7 only
    // A zone's '+' sent unencoded arrives as a space: 2026-01-05T01:00+01:00 is 2026-01-05T00:00Z; echoed with its '+'.
    const zoned = (await stats('?start=2026-01-05T01:00:00+01:00').expect(200)).body as Parameters;
    expect(zoned.parameter?.[0]).toEqual({ name: 'start', valueDateTime: '2026-01-05T01:00:00+01:00' });
    expect(figures(zoned).get('overall/-')?.[0]).toBe(6);
    // An empty range has the overall group only.
    const empty = figures((await stats('?start=2027-01-01&end=2027-01-01').expect(200)).body as Parameters);
    expect([...empty.entries()]).toEqual([['overall/-', [0, none, none, [0, 0, 0]]]]);
  });

  it('judges open consults overdue at the server’s current time', async () => {
    const overdue = async () => figures((await stats('?start=2026-01-05&end=2026-01-10').expect(200)).body as Parameters).get('priority/stat')?.[3];
    setNow('2026-01-07T12:59:00Z'); // C4 is due at 13:00
    expect(await overdue()).toEqual([0, 0, 0]);
    setNow('2026-01-07T13:30:00Z');
    expect(await overdue()).toEqual([1, 1, 0]);
    setNow('2026-01-10T00:00:00Z');
  });

  it('refuses a start or end that is not a dateTime, and an end before the start (400 with the parameter as expression)', async () => {
    const refused = async (query: string, expression: string, text: string) => {
      const res = await stats(query);
      expect(res.status).toBe(400);
      const outcome = res.body as OperationOutcome;
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue).toEqual([expect.objectContaining({ severity: 'error', code: 'invalid', expression: [expression], diagnostics: expect.stringContaining(text) })]);
    };
    await refused('?start=yesterday', 'start', 'yesterday');
    await refused('?start=2026-01-05&end=2026-02-30', 'end', '2026-02-30');
    await refused('?end=2026-01-05T25:00:00Z', 'end', 'not a valid');
    await refused('?start=2026-01-06&end=2026-01-05', 'end', 'before start');
    await refused('?start=2026-01-05&start=2026-01-06', 'start', 'given once');
    const wrongBody = await t.request.post('/fhir/ServiceRequest/$stats').set('Content-Type', FHIR).send({ resourceType: 'Patient' });
    expect(wrongBody.status).toBe(400);
  });

  it('is served on ServiceRequest only, at type level', async () => {
    expect((await t.request.get('/fhir/Task/$stats')).status).toBeGreaterThanOrEqual(400);
    expect((await t.request.get('/fhir/ServiceRequest/x/$stats')).status).toBeGreaterThanOrEqual(400);
  });
});

describe('$stats under SMART: a practitioner’s figures cover only the consults they may see', () => {
  let t: TestApp;
  const people: Record<string, string> = {};
  const as = async (fhirUser: string) => bearer(await accessToken(t, { scope: 'user/*.cruds', extra: { fhirUser } }));
  const overallCount = async (headers: Headers) => {
    const answer = (await t.request.get('/fhir/ServiceRequest/$stats').set(headers).expect(200)).body as Parameters;
    return { overall: figures(answer).get('overall/-')?.[0], specialists: [...figures(answer).keys()].filter((k) => k.startsWith('specialist/')) };
  };

  beforeAll(async () => {
    t = await startTestApp({ auth: 'smart' });
    const admin = bearer(await accessToken(t, { scope: 'system/*.cruds' }));
    const d = consultDriver(t, () => undefined, () => admin);
    const patient = `Patient/${(await d.create({ resourceType: 'Patient', identifier: [{ system: 'https://clinic.example/mrn', value: 'MRN-2' }] })).id}`;
    people.requester = `Practitioner/${(await d.create({ resourceType: 'Practitioner', name: [{ family: 'Requester' }] })).id}`;
    people.stranger = `Practitioner/${(await d.create({ resourceType: 'Practitioner', name: [{ family: 'Stranger' }] })).id}`;
    for (const who of ['A', 'B']) {
      const practitioner = await d.create({ resourceType: 'Practitioner', name: [{ family: who }] });
      people[who] = `PractitionerRole/${(await d.create({ resourceType: 'PractitionerRole', practitioner: ref(`Practitioner/${practitioner.id}`) })).id}`;
    }
    // Each step by the role the workflow gives it: the requester submits, the administrator assigns, the owner accepts.
    const requester = await as(people.requester);
    for (const owner of ['A', 'B']) {
      const c = await d.draft('', { specialty: 'general', priority: 'routine', patient, requester: people.requester }, requester);
      await d.submit(c, new Date().toISOString(), requester);
      await d.move(c.task, '', 'received', { owner: ref(people[owner]) }, admin);
      await d.move(c.task, '', 'accepted', {}, await as(people[owner]));
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('each specialist sees their own consult, the requester and a system client both, a stranger none', async () => {
    expect(await overallCount(await as(people.A))).toEqual({ overall: 1, specialists: [`specialist/${people.A}`] });
    expect(await overallCount(await as(people.B))).toEqual({ overall: 1, specialists: [`specialist/${people.B}`] });
    expect((await overallCount(await as(people.requester))).overall).toBe(2);
    expect((await overallCount(bearer(await accessToken(t, { scope: 'system/*.cruds' })))).overall).toBe(2);
    expect(await overallCount(await as(people.stranger))).toEqual({ overall: 0, specialists: [] });
  });

  it('needs read access to Task', async () => {
    const srOnly = bearer(await accessToken(t, { scope: 'system/ServiceRequest.rs' }));
    const res = await t.request.get('/fhir/ServiceRequest/$stats').set(srOnly);
    expect(res.status).toBe(403);
    expect((res.body as OperationOutcome).issue?.[0]).toMatchObject({ severity: 'error', code: 'forbidden' });
  });
});
