/**
 * The two error shapes of authorization. At the FHIR API (RFC 6750 section 3): 401 with
 * `WWW-Authenticate: Bearer error="invalid_request" | "invalid_token"` and an OperationOutcome
 * (code `login`). At the token endpoint (RFC 6749 section 5.2): `{ error, error_description }`.
 */

/** A missing or unacceptable bearer token (401). */
export class BearerError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_token',
    readonly description: string,
  ) {
    super(description);
    this.name = 'BearerError';
  }

  /** The WWW-Authenticate header value (quotes and backslashes removed from the description). */
  challenge(realm: string): string {
    const text = this.description.replace(/["\\]/g, "'");
    return `Bearer realm="${realm}", error="${this.error}", error_description="${text}"`;
  }
}

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/** A token endpoint error: 401 for invalid_client (RFC 6749 section 5.2), 400 otherwise. */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  get status(): number {
    return this.error === 'invalid_client' ? 401 : 400;
  }

  body(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
