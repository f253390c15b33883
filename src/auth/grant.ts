/**
 * What a verified access token grants (SMART App Launch 2.x backend-services.html and
 * scopes-and-launch-context.html): the scopes, and the launch context claims that select which
 * instances the token sees (access/restriction.ts).
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
  /** The `patient` claim: the patient in context (`Patient/<id>` or a bare id); patient/ scopes see its compartment. */
  patient?: string;
  /** The `fhirUser` claim: Practitioner, PractitionerRole or Patient reference; user/ scopes see that user's consults or compartment. */
  fhirUser?: string;
  /** The `organization` claim: the client's organisation reference; system/ scopes then see only its consults. */
  organization?: string;
  /** `jti` and `exp` (epoch seconds) of the token. */
  tokenId?: string;
  expiresAt?: number;
}
