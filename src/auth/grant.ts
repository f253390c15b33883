/**
 * What a verified access token grants (SMART App Launch 2.x backend-services.html and
 * scopes-and-launch-context.html): the scopes, and the launch context claims kept for the next
 * increment (patient and fhirUser compartments are parsed but NOT enforced yet).
 */
import type { ResourceScope } from './scopes';

export interface Grant {
  /** The token's issuer (Relay's own, or a trusted external one). */
  issuer: string;
  /** The token's `sub`: the client id for backend services. */
  subject: string;
  /** `client_id` when the token names one (RFC 9068), else the subject. */
  clientId: string;
  /** Resource scopes (v1 and v2), parsed. */
  scopes: ResourceScope[];
  /** Other scopes (openid, fhirUser, launch/patient, ...), as written. */
  otherScopes: string[];
  /** The `patient` claim: the patient in context (not enforced yet). */
  patient?: string;
  /** The `fhirUser` claim: Practitioner, PractitionerRole or Patient reference (not enforced yet). */
  fhirUser?: string;
  /** The `organization` claim: the client's organisation reference (not enforced yet). */
  organization?: string;
  /** `jti` and `exp` (epoch seconds) of the token. */
  tokenId?: string;
  expiresAt?: number;
}
