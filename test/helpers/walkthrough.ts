/**
 * Walking the draft consults of examples/<specialty>/submission.json through their lifecycle over HTTP
 * (test/consult-walkthrough.test.ts): reading and splitting a submission (the directory an
 * administrator loads, the consult its sender posts), tokens per person, and the reads each step
 * asserts on (the consult's Task, its Provenance trail, its $package).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, BundleEntry, Provenance, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { accessToken, bearer } from './auth';
import { entryStatus } from './bundle-response';
import { PROJECT_ROOT, startTestApp, type TestApp } from './test-app';

export const EXAMPLES = path.join(PROJECT_ROOT, 'examples');

/** The specialties with a submission.json (the patient-initiated consult is the `general` one). */
export const SUBMISSIONS = ['dermatology', 'diabetic-retinopathy-screening', 'radiology', 'physical-therapy', 'general'] as const;
export type Submission = (typeof SUBMISSIONS)[number];

/** Directory and definitional resources: loaded by an administrator, not by the consult's sender. */
export const DIRECTORY_TYPES: readonly string[] = ['Organization', 'Practitioner', 'PractitionerRole', 'HealthcareService', 'Questionnaire'];

export const BUSINESS_STATUS = 'https://relay.example/fhir/CodeSystem/consult-business-status';
export const MESSAGE_CATEGORY = 'https://relay.example/fhir/CodeSystem/consult-communication-category';

export function readBundle(file: string): Bundle {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle;
}

export function submissionFile(specialty: Submission): string {
  return path.join(EXAMPLES, specialty, 'submission.json');
}

export function resourcesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).map((e) => e.resource as Resource);
}

/** The submission as two transactions: the directory (administrator) and the consult itself (its sender). */
export function splitSubmission(bundle: Bundle): { directory: Bundle; consult: Bundle } {
  const part = (keep: (e: BundleEntry) => boolean): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry: (bundle.entry ?? []).filter(keep) });
  const isDirectory = (e: BundleEntry) => DIRECTORY_TYPES.includes(e.resource?.resourceType as string);
  return { directory: part(isDirectory), consult: part((e) => !isDirectory(e)) };
}

type Headers = Record<string, string>;

/** One test app (smart auth, injected clock) for one consult, with the calls its walkthrough makes. */
export class Walk {
  /** The server's clock; tests move it. */
  now: Date;
  admin: Headers = {};
  private constructor(
    readonly t: TestApp,
    start: Date,
  ) {
    this.now = start;
  }

  static async start(start: string): Promise<Walk> {
    const clock = { walk: undefined as Walk | undefined };
    const t = await startTestApp({ auth: 'smart' }, { clock: () => clock.walk?.now ?? new Date(start) });
    const walk = (clock.walk = new Walk(t, new Date(start)));
    walk.admin = bearer(await accessToken(t, { scope: 'system/*.cruds', exp: 3600 }));
    return walk;
  }

  close(): Promise<void> {
    return this.t.close();
  }

  /** Moves the server clock forward. */
  advance(minutes: number): Date {
    this.now = new Date(this.now.getTime() + minutes * 60_000);
    return this.now;
  }

  /** A user token for `fhirUser` (Practitioner/x or Patient/x), as a SMART app would hold it. */
  async user(fhirUser: string): Promise<Headers> {
    return bearer(await accessToken(this.t, { scope: 'user/*.cruds', exp: 3600, extra: { fhirUser } }));
  }

  /** Loads the submission: the directory with the administrator's token, the consult with the sender's. Returns both answers. */
  async load(specialty: Submission, sender: Headers): Promise<{ directory: Bundle; consult: Bundle }> {
    const { directory, consult } = splitSubmission(readBundle(submissionFile(specialty)));
    const post = async (bundle: Bundle, who: Headers) => {
      const res = await this.t.request.post('/fhir').set(who).send(bundle);
      if (res.status !== 200) throw new Error(`transaction: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as Bundle;
    };
    return { directory: await post(directory, this.admin), consult: await post(consult, sender) };
  }

  submit(requestId: string, who: Headers) {
    return this.t.request.post(`/fhir/ServiceRequest/${requestId}/$submit`).set(who).send();
  }

  /** POST Task/$escalate: the escalation sweep at the server clock (administrator). */
  escalate(who: Headers = this.admin) {
    return this.t.request.post('/fhir/Task/$escalate').set(who).send();
  }

  /** Reads as the administrator. */
  async read<T extends Resource>(ref: string): Promise<T> {
    const res = await this.t.request.get(`/fhir/${ref}`).set(this.admin);
    if (res.status !== 200) throw new Error(`GET ${ref}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  }

  /** Searches as `who` (the administrator by default); the matching resources. */
  async search<T extends Resource>(query: string, who: Headers = this.admin): Promise<T[]> {
    const res = await this.t.request.get(`/fhir/${query}`).set(who);
    if (res.status !== 200) throw new Error(`GET ${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return ((res.body as Bundle).entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource as T);
  }

  /** The coordinating Task of a consult (there is exactly one). */
  async taskOf(requestId: string): Promise<Task> {
    const tasks = await this.search<Task>(`Task?focus=ServiceRequest/${requestId}&code=http://hl7.org/fhir/CodeSystem/task-code|fulfill`);
    if (tasks.length !== 1) throw new Error(`ServiceRequest/${requestId} has ${tasks.length} coordinating Tasks`);
    return tasks[0];
  }

  async requestStatus(requestId: string): Promise<ServiceRequest['status']> {
    return (await this.read<ServiceRequest>(`ServiceRequest/${requestId}`)).status;
  }

  put(resource: Resource, who: Headers) {
    return this.t.request.put(`/fhir/${resource.resourceType}/${resource.id}`).set(who).send(resource);
  }

  post(resource: Resource, who: Headers) {
    return this.t.request.post(`/fhir/${resource.resourceType}`).set(who).send(resource);
  }

  /** PUTs the Task's current version with a new status (and other changes) as `who`. */
  async move(taskId: string, status: Task['status'], who: Headers, extra: Partial<Task> = {}) {
    const current = await this.read<Task>(`Task/${taskId}`);
    return this.put({ ...current, status, ...extra }, who);
  }

  /** The consult's Provenance, in the order of the Task versions they record (target[0] is `Task/id/_history/n`). */
  async provenance(taskId: string): Promise<Provenance[]> {
    const found = await this.search<Provenance>(`Provenance?target=Task/${taskId}&_count=1000`);
    const version = (p: Provenance) => {
      const m = /^Task\/([^/]+)\/_history\/(\d+)$/.exec(p.target[0]?.reference ?? '');
      if (!m || m[1] !== taskId) throw new Error(`Provenance/${p.id} target[0] is ${p.target[0]?.reference}, not a version of Task/${taskId}`);
      return Number(m[2]);
    };
    return found.sort((a, b) => version(a) - version(b));
  }

  /** The trail as `<activity code> by <agent>` lines. */
  async trail(taskId: string): Promise<string[]> {
    return (await this.provenance(taskId)).map((p) => `${p.activity?.coding?.[0]?.code} by ${p.agent[0]?.who?.reference}`);
  }

  /** GET ServiceRequest/[id]/$package as `who`: the `Type/id` of every entry, in Bundle order. */
  async packageOf(requestId: string, who: Headers = this.admin): Promise<{ bundle: Bundle; refs: string[] }> {
    const res = await this.t.request.get(`/fhir/ServiceRequest/${requestId}/$package`).set(who);
    if (res.status !== 200) throw new Error(`$package: ${res.status} ${JSON.stringify(res.body)}`);
    const bundle = res.body as Bundle;
    return { bundle, refs: (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`) };
  }
}

/** Every entry of a transaction-response answered 200 or 201. */
export function allStored(response: Bundle): boolean {
  return response.type === 'transaction-response' && (response.entry ?? []).length > 0 && (response.entry ?? []).every((e) => [200, 201].includes(entryStatus(e)));
}

/** The codes of a Task's businessStatus in Relay's consult-business-status system (several stages may hold at once), sorted. */
export function stages(task: Task): string[] {
  return (task.businessStatus?.coding ?? []).filter((c) => c.system === BUSINESS_STATUS).map((c) => c.code as string).sort();
}

/** The Bundle of a $submit answer as [ServiceRequest, Task]. */
export function submitted(body: Bundle): { request: ServiceRequest; task: Task } {
  const resources = (body.entry ?? []).map((e) => e.resource as Resource);
  return { request: resources.find((r) => r.resourceType === 'ServiceRequest') as ServiceRequest, task: resources.find((r) => r.resourceType === 'Task') as Task };
}

/** ISO instant `hours` after `from`. */
export function hoursAfter(from: Date, hours: number): string {
  return new Date(from.getTime() + hours * 3_600_000).toISOString();
}

/** A consult-communication category coding. */
export function messageCategory(code: 'request-for-information' | 'reply' | 'notification') {
  return [{ coding: [{ system: MESSAGE_CATEGORY, code }] }];
}
