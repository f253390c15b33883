/**
 * Jurisdiction policy (consult rules file, `jurisdictions`; README "Consult workflow"): some
 * jurisdictions let a patient start an asynchronous consult only with a clinician they have an
 * established relationship with. For a patient-initiated consult (requester a Patient) whose patient
 * lives in such a jurisdiction (Patient.address.state), the relationship is a finished Encounter of
 * the patient whose serviceProvider is the specialist's organisation: submission needs one, and
 * routing then only considers specialists (PractitionerRole.organization) and pools
 * (HealthcareService.providedBy) of those organisations. Clinician-to-clinician consults are not affected.
 */
import type { Encounter, Patient, ServiceRequest } from '@medplum/fhirtypes';
import type { RulesEnv } from '../repository/write-rules';
import { findAll, localRef } from './find';
import type { ConsultRules } from './rules';

export interface RelationshipRequirement {
  /** The patient's jurisdiction (state code) and the rule's explanation. */
  state: string;
  description: string;
  /** `Organization/id` of every organisation the patient has a finished Encounter with. */
  organisations: Set<string>;
}

/** The relationship requirement that applies to this consult, or undefined when none does. */
export async function relationshipRequirement(request: ServiceRequest, env: RulesEnv, rules: ConsultRules): Promise<RelationshipRequirement | undefined> {
  const requester = localRef(request.requester?.reference, env.baseUrl);
  const patientRef = localRef(request.subject?.reference, env.baseUrl);
  if (!requester?.startsWith('Patient/') || !patientRef?.startsWith('Patient/')) return undefined;
  const patient = (await env.resolve(patientRef)) as Patient | undefined;
  const state = patient?.address?.find((a) => a.state)?.state?.toUpperCase();
  const rule = state ? rules.jurisdictions[state] : undefined;
  if (!state || !rule?.requiresRelationship) return undefined;
  const encounters = await findAll<Encounter>(env.server, 'Encounter', { subject: patientRef, status: 'finished' });
  const organisations = new Set(encounters.map((e) => localRef(e.serviceProvider?.reference, env.baseUrl)).filter((o): o is string => o?.startsWith('Organization/') === true));
  return { state, description: rule.description, organisations };
}
