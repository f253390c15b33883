/**
 * Access tokens Relay issues (SMART App Launch 2.x backend-services.html#issue-access-token;
 * RFC 9068 JWT profile): signed with Relay's key, `typ: at+jwt`, carrying iss, aud (the FHIR base
 * URL), sub and client_id (the client id), iat, exp, jti, scope, and the client's organisation.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './keys';

export interface TokenRequest {
  clientId: string;
  scope: string;
  organization?: string;
  /** Launch context (for local testing with `npm run token`): kept in the token, not enforced yet. */
  patient?: string;
  fhirUser?: string;
}

export interface MintOptions {
  key: SigningKey;
  issuer: string;
  audience: string;
  ttlMs: number;
  now?: Date;
}

/** Signs an access token; resolves to it and its lifetime in seconds. */
export async function mintAccessToken(request: TokenRequest, options: MintOptions): Promise<{ token: string; expiresIn: number }> {
  const expiresIn = Math.max(1, Math.round(options.ttlMs / 1000));
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, string> = { scope: request.scope, client_id: request.clientId };
  if (request.organization) claims.organization = request.organization;
  if (request.patient) claims.patient = request.patient;
  if (request.fhirUser) claims.fhirUser = request.fhirUser;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: options.key.alg, kid: options.key.kid, typ: 'at+jwt' })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(request.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresIn)
    .setJti(randomUUID())
    .sign(options.key.privateKey);
  return { token, expiresIn };
}
