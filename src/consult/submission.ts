/**
 * The submission check (draft → requested; README "Consult workflow"): everything a specialist needs
 * before the consult reaches them, all listed at once. The patient is known and identified (an
 * identifier, or name and birth date); the requester is known; the specialty's intake
 * QuestionnaireResponse (consult rules file) is completed and valid against its Questionnaire; the
 * specialty's minimum media are there; every Media's content is present and matches its size and hash;
 * a patient-initiated consult meets its jurisdiction's relationship rule (consult/jurisdiction.ts).
 */
import type { Media, Patient, QuestionnaireResponse, ServiceRequest } from '@medplum/fhirtypes';
import { issue, OperationOutcomeError, outcome, type Issue } from '../fhir/outcome';
import type { RulesEnv } from '../repository/write-rules';
import { findAll, localRef } from './find';
import { specialtyOf } from './consult';
import type { ConsultRules } from './rules';
import { relationshipRequirement } from './jurisdiction';

/** Throws 422 listing every missing or invalid item; returns when the consult may be submitted. */
export async function assertSubmittable(request: ServiceRequest, env: RulesEnv, rules: ConsultRules, more: Issue[] = []): Promise<void> {
  const issues = [...(await submissionIssues(request, env, rules)), ...more];
  if (issues.length) throw new OperationOutcomeError('unprocessable', outcome(issues));
}

/** Every reason the consult cannot be submitted yet (empty when it can). */
export async function submissionIssues(request: ServiceRequest, env: RulesEnv, rules: ConsultRules): Promise<Issue[]> {
  const issues: Issue[] = [];
  const missing = (text: string, expression: string) => issues.push(issue('error', 'required', text, expression));
  await checkPatient(request, env, missing);
  if (!request.requester?.reference || !(await env.resolve(request.requester.reference))) missing('the requester is not known: ServiceRequest.requester must reference a stored Practitioner, PractitionerRole, Organization or Patient', 'ServiceRequest.requester');

  const relationship = await relationshipRequirement(request, env, rules);
  if (relationship && relationship.organisations.size === 0) {
    issues.push(
      issue(
        'error',
        'business-rule',
        `${relationship.description}: the patient lives in ${relationship.state} and has no finished Encounter with an organisation (Encounter.serviceProvider) that could take this consult; record that encounter, or have a clinician request the consult`,
        'ServiceRequest.requester',
      ),
    );
  }
  const specialty = specialtyOf(request);
  const rule = specialty ? rules.specialties[specialty] : undefined;
  const supporting = new Set((request.supportingInfo ?? []).map((s) => localRef(s.reference, env.baseUrl)));
  const linked = async <T extends Media | QuestionnaireResponse>(type: T['resourceType']) => {
    const byBasis = await findAll<T>(env.server, type, { 'based-on': `ServiceRequest/${request.id}` });
    const extra: T[] = [];
    for (const ref of supporting) {
      if (!ref?.startsWith(`${type}/`) || byBasis.some((r) => `${type}/${r.id}` === ref)) continue;
      const found = (await env.resolve(ref)) as T | undefined;
      if (found) extra.push(found);
    }
    return [...byBasis, ...extra];
  };

  if (rule?.intake) {
    const answers = (await linked<QuestionnaireResponse>('QuestionnaireResponse')).filter((qr) => qr.questionnaire?.split('|')[0] === rule.intake);
    const completed = answers.filter((qr) => qr.status === 'completed' || qr.status === 'amended');
    if (!completed.length) {
      const state = answers.length ? ` (found ${answers.map((qr) => `QuestionnaireResponse/${qr.id} with status ${qr.status}`).join(', ')})` : '';
      missing(`the intake form ${rule.intake} has no completed QuestionnaireResponse based on this ServiceRequest${state}`, 'ServiceRequest.supportingInfo');
    }
    for (const qr of completed) {
      for (const found of await env.server.validate(qr)) {
        if (found.severity === 'error' || found.severity === 'fatal') issues.push({ ...found, diagnostics: `QuestionnaireResponse/${qr.id}: ${found.diagnostics ?? found.details?.text ?? ''}` });
      }
    }
  }

  const media = (await linked<Media>('Media')).filter((m) => m.status !== 'entered-in-error' && m.status !== 'not-done');
  for (const [i, m] of (rule?.media ?? []).entries()) {
    const count = media.filter((x) => m.matches(x)).length;
    if (count < m.min) missing(`${m.description} is required for ${specialty} (rule ${i + 1}: needs ${m.min}, found ${count})`, 'ServiceRequest.supportingInfo');
  }
  for (const m of media) {
    if (!m.content?.url && !m.content?.data) missing(`Media/${m.id} has no content`, `Media/${m.id}.content`);
    for (const found of await env.server.attachmentIssues(m)) issues.push({ ...found, diagnostics: `Media/${m.id}: ${found.diagnostics ?? found.details?.text ?? ''}` });
  }
  return issues;
}

async function checkPatient(request: ServiceRequest, env: RulesEnv, missing: (text: string, expression: string) => void): Promise<void> {
  const ref = localRef(request.subject?.reference, env.baseUrl);
  const patient = ref?.startsWith('Patient/') ? ((await env.resolve(ref)) as Patient | undefined) : undefined;
  if (!patient) {
    missing('the patient is not known: ServiceRequest.subject must reference a stored Patient', 'ServiceRequest.subject');
    return;
  }
  const identified = (patient.identifier ?? []).some((i) => i.value) || ((patient.name ?? []).some((n) => n.family || n.given?.length) && !!patient.birthDate);
  if (!identified) missing(`Patient/${patient.id} is not identified: it needs an identifier (e.g. a medical record number), or a name and a birth date`, 'ServiceRequest.subject');
}
