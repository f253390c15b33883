/**
 * Consult fixtures for the workflow tests: a small directory (a referring clinic and practitioner, a
 * specialist, an outsider), tokens for each role, and a consult (ServiceRequest + coordinating Task)
 * put in any state by the administrator (an import), with what each transition's check needs: a
 * statusReason, an owner, a due time, an open request-for-information and a final report.
 */
import type { Communication, DiagnosticReport, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { accessToken, bearer } from './auth';
import type { TestApp } from './test-app';

export const SPECIALTY = 'https://relay.example/fhir/CodeSystem/consult-specialty';
export const TASK_CODE = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };

export type Who = 'requester' | 'owner' | 'administrator' | 'outsider';

export interface Directory {
  patient: string;
  requesterRole: string;
  ownerRole: string;
  tokens: Record<Who, string>;
}

/** Writes a resource as the administrator (smart) and returns it as stored. */
export async function put<T extends Resource>(t: TestApp, admin: string, resource: T): Promise<T> {
  const res = await t.request.put(`/fhir/${resource.resourceType}/${resource.id}`).set(bearer(admin)).send(resource);
  if (res.status >= 300) throw new Error(`PUT ${resource.resourceType}/${resource.id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/** The clinic, the specialist, an outsider and a patient; a token per role. */
export async function makeDirectory(t: TestApp, prefix = 'x'): Promise<Directory> {
  const admin = await accessToken(t, { scope: 'system/*.cruds' });
  await put(t, admin, { resourceType: 'Organization', id: `${prefix}-clinic`, name: 'Riverside clinic' });
  await put(t, admin, { resourceType: 'Organization', id: `${prefix}-specialists`, name: 'Teledermatology group' });
  // Only the specialist practises `general` medicine: routing has one candidate.
  for (const [who, org, specialty] of [
    ['referrer', 'clinic', 'urology'],
    ['specialist', 'specialists', 'general'],
    ['outsider', 'specialists', 'dermatology'],
  ] as const) {
    await put(t, admin, { resourceType: 'Practitioner', id: `${prefix}-${who}`, name: [{ family: who }] });
    await put(t, admin, {
      resourceType: 'PractitionerRole',
      id: `${prefix}-${who}-role`,
      active: true,
      practitioner: { reference: `Practitioner/${prefix}-${who}` },
      organization: { reference: `Organization/${prefix}-${org}` },
      specialty: [{ coding: [{ system: SPECIALTY, code: specialty }] }],
    });
  }
  await put(t, admin, { resourceType: 'Patient', id: `${prefix}-patient`, identifier: [{ system: 'urn:mrn', value: `${prefix}-1` }], name: [{ family: 'Okafor' }], birthDate: '1970-01-01' });
  const user = (who: string) => accessToken(t, { scope: 'user/*.cruds', extra: { fhirUser: `Practitioner/${prefix}-${who}` } });
  return {
    patient: `Patient/${prefix}-patient`,
    requesterRole: `PractitionerRole/${prefix}-referrer-role`,
    ownerRole: `PractitionerRole/${prefix}-specialist-role`,
    tokens: { requester: await user('referrer'), owner: await user('specialist'), administrator: admin, outsider: await user('outsider') },
  };
}

/** A consult request of the `general` specialty (no intake or media rules), as a draft. */
export function consultRequest(id: string, d: Directory, status: ServiceRequest['status'] = 'draft'): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    id,
    status,
    intent: 'order',
    priority: 'routine',
    category: [{ coding: [{ system: SPECIALTY, code: 'general' }] }],
    code: { text: 'eConsult' },
    subject: { reference: d.patient },
    requester: { reference: d.requesterRole },
    performer: [{ reference: d.ownerRole }],
    reasonCode: [{ text: 'Persistent rash' }],
  };
}

/** The coordinating Task of `request` in `status`, with an owner, a due time, a reason and (when given) a report as output. */
export function consultTask(id: string, request: ServiceRequest, d: Directory, status: Task['status'], report?: string): Task {
  return {
    resourceType: 'Task',
    id,
    status,
    intent: 'order',
    priority: 'routine',
    code: TASK_CODE,
    focus: { reference: `ServiceRequest/${request.id}` },
    basedOn: [{ reference: `ServiceRequest/${request.id}` }],
    for: { reference: d.patient },
    requester: { reference: d.requesterRole },
    owner: { reference: d.ownerRole },
    statusReason: { text: 'reason given with the change' },
    restriction: { period: { end: '2030-01-01T00:00:00Z' } },
    ...(report ? { output: [{ type: { text: 'report' }, valueReference: { reference: report } }] } : {}),
  };
}

export function finalReport(id: string, request: ServiceRequest, d: Directory): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    id,
    status: 'final',
    code: { text: 'Consult report' },
    basedOn: [{ reference: `ServiceRequest/${request.id}` }],
    subject: { reference: d.patient },
    resultsInterpreter: [{ reference: d.ownerRole }],
    conclusion: 'Contact dermatitis',
  };
}

export function question(id: string, request: ServiceRequest, d: Directory): Communication {
  return {
    resourceType: 'Communication',
    id,
    status: 'completed',
    category: [{ coding: [{ system: 'https://relay.example/fhir/CodeSystem/consult-communication-category', code: 'request-for-information' }] }],
    about: [{ reference: `ServiceRequest/${request.id}` }],
    subject: { reference: d.patient },
    sender: { reference: d.ownerRole },
    recipient: [{ reference: d.requesterRole }],
    payload: [{ contentString: 'Is the rash itchy?' }],
  };
}

/** A consult whose Task is in `status` (imported by the administrator), with a report and an open question. */
export async function consultIn(t: TestApp, d: Directory, id: string, status: Task['status']): Promise<{ request: ServiceRequest; task: Task }> {
  const admin = d.tokens.administrator;
  let request = await put(t, admin, consultRequest(`${id}-sr`, d));
  await put(t, admin, finalReport(`${id}-report`, request, d));
  await put(t, admin, question(`${id}-question`, request, d));
  const task = await put(t, admin, consultTask(`${id}-task`, request, d, status, `DiagnosticReport/${id}-report`));
  request = (await t.request.get(`/fhir/ServiceRequest/${request.id}`).set(bearer(admin))).body;
  return { request, task };
}
