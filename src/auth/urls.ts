/**
 * Where Relay's own authorization server lives, derived from the public FHIR base URL: the base's
 * trailing `/fhir` replaced by `/auth` (https://relay.example.org/fhir → https://relay.example.org/auth,
 * https://h.example.org/relay/fhir → https://h.example.org/relay/auth); a base not ending in `/fhir`
 * gets its origin + `/auth`. The issuer of Relay's tokens is this URL (SMART App Launch 2.x
 * conformance.html, RFC 8414 issuer).
 */

export interface AuthUrls {
  /** `iss` of Relay's access tokens. */
  issuer: string;
  /** POST: client_credentials with a private_key_jwt client assertion; the assertion's `aud`. */
  tokenEndpoint: string;
  jwksUri: string;
  /** The FHIR base URL: the `aud` every access token must name. */
  audience: string;
}

export function authUrls(baseUrl: string): AuthUrls {
  const url = new URL(baseUrl);
  const issuer = url.pathname.endsWith('/fhir') ? `${url.origin}${url.pathname.slice(0, -'/fhir'.length)}/auth` : `${url.origin}/auth`;
  return { issuer, tokenEndpoint: `${issuer}/token`, jwksUri: `${issuer}/jwks.json`, audience: baseUrl };
}
