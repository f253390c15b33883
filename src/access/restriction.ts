/**
 * Which instance-level rule a token gets (README "Security"), from its scopes' contexts and claims
 * (SMART App Launch 2.x scopes-and-launch-context.html): the strictest context present wins.
 * - any patient/ scope: the compartment of the `patient` claim (`Patient/<id>` or a bare id); no claim: nothing;
 * - else any user/ scope: fhirUser Patient/x → that compartment; Practitioner/x or PractitionerRole/x →
 *   their consults (access/consults.ts); no usable fhirUser: nothing;
 * - else (system/): with an `organization` claim, the consults that organisation requested; else every
 *   resource of the permitted types. Binary only through a linking resource in every case.
 * Scopes with a query restriction narrow each of these further (scope-queries.ts).
 */
import type { Grant } from '../auth/grant';
import { patientCompartment } from './patient';
import { consultRestriction } from './consults';
import { nothing, wholeTypes, type Restriction, type Visible } from './visible';
import { withScopeQueries } from './scope-queries';

export interface RestrictionOptions {
  /** RELAY_ACCESS_ORGANISATION_RULE (default false). */
  organisationRule?: boolean;
}

const fixed = (make: (baseUrl: string) => Visible): Restriction => ({ resolve: async (_db, baseUrl) => make(baseUrl) });

/** `Type/id` of a reference claim that is relative or absolute on `baseUrl`; undefined otherwise. */
export function localReference(value: string | undefined, baseUrl: string, defaultType?: string): string | undefined {
  if (!value) return undefined;
  const relative = value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  if (defaultType && /^[A-Za-z0-9\-.]{1,64}$/.test(relative)) return `${defaultType}/${relative}`;
  return /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(relative) ? relative : undefined;
}

/** The token's instance-level rule: its context's (below), narrowed by the query restrictions of its scopes (scope-queries.ts). */
export function restrictionFor(grant: Grant, options: RestrictionOptions): Restriction {
  return withScopeQueries(contextRestriction(grant, options), grant.scopes);
}

function contextRestriction(grant: Grant, options: RestrictionOptions): Restriction {
  const contexts = new Set(grant.scopes.map((s) => s.context));
  const organisationRule = options.organisationRule ?? false;
  if (contexts.has('patient')) {
    return fixed((baseUrl) => {
      const patient = localReference(grant.patient, baseUrl, 'Patient');
      return patient?.startsWith('Patient/') ? patientCompartment(patient, baseUrl) : nothing('patient/ scopes without a patient claim');
    });
  }
  if (contexts.has('user')) {
    return {
      resolve: async (db, baseUrl) => {
        const user = localReference(grant.fhirUser, baseUrl);
        if (user?.startsWith('Patient/')) return patientCompartment(user, baseUrl);
        if (user?.startsWith('Practitioner/') || user?.startsWith('PractitionerRole/')) return consultRestriction({ mode: 'practitioner', who: user, organisationRule }).resolve(db, baseUrl);
        return nothing('user/ scopes without a Patient, Practitioner or PractitionerRole fhirUser');
      },
    };
  }
  if (grant.organization) {
    return {
      resolve: async (db, baseUrl) => {
        const organization = localReference(grant.organization, baseUrl);
        if (!organization?.startsWith('Organization/')) return nothing('an organization claim that names no local Organization');
        return consultRestriction({ mode: 'organization', who: organization, organisationRule }).resolve(db, baseUrl);
      },
    };
  }
  return fixed(() => wholeTypes);
}
