/**
 * JWT checks shared by access tokens and client assertions (RFC 7519; RFC 7515; SMART App Launch 2.x
 * backend-services.html#signature-verification): the algorithm allow-list, key sets, and jose's
 * failures turned into sentences a client can act on.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, type JWTVerifyGetKey, type ProtectedHeaderParameters } from 'jose';
import type { JsonWebKeySet } from './issuers-file';

/** Asymmetric algorithms only: `none` and HMAC (HS*) can never verify against a public key set. */
export const ALGORITHMS = ['RS256', 'RS384', 'ES256', 'ES384'] as const;

/** A key set: given up front, or fetched from a URL (cached; refetched for an unknown kid). */
export function keySet(source: { jwks?: JsonWebKeySet; jwksUri?: string }): JWTVerifyGetKey {
  if (source.jwks) return createLocalJWKSet(source.jwks as Parameters<typeof createLocalJWKSet>[0]);
  if (source.jwksUri) return createRemoteJWKSet(new URL(source.jwksUri));
  throw new Error('a key set needs jwks or jwksUri');
}

/** The unverified header and claims; throws a reason when the token is not a JWT or its alg is not allowed. */
export function peek(token: string): { header: ProtectedHeaderParameters; claims: JWTPayload } {
  let header: ProtectedHeaderParameters;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    throw new JwtRejected('the token is not a well-formed JWT (header.payload.signature, base64url-encoded JSON)');
  }
  if (!(ALGORITHMS as readonly string[]).includes(String(header.alg))) {
    throw new JwtRejected(`the signing algorithm ${JSON.stringify(header.alg ?? null)} is not accepted; use one of ${ALGORITHMS.join(', ')}`);
  }
  return { header, claims };
}

/** A JWT that failed a check, with the reason. */
export class JwtRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JwtRejected';
  }
}

/** A sentence for a failure of jose's jwtVerify. */
export function rejectionReason(err: unknown, expected: { audience: string; kid?: string }): string {
  const e = err as { code?: string; claim?: string; reason?: string; message?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired (exp is in the past)';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.reason === 'missing') return `the token has no ${e.claim} claim`;
      if (e.claim === 'nbf') return 'the token is not yet valid (nbf is in the future)';
      if (e.claim === 'aud') return `the token is for another audience: aud must be ${expected.audience}`;
      if (e.claim === 'iss') return 'the token has an unexpected issuer (iss)';
      if (e.claim === 'sub') return 'the token has an unexpected subject (sub)';
      return `the token's ${e.claim} claim is not acceptable (${e.message})`;
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return `the issuer has no key ${expected.kid ? `with kid ${JSON.stringify(expected.kid)}` : 'matching the token'}`;
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'the token has no kid and the issuer has several keys: name the key with kid';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the signature does not verify';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return `the signing algorithm is not accepted; use one of ${ALGORITHMS.join(', ')}`;
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return "the issuer's keys could not be fetched";
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'the token is not a well-formed signed JWT';
    default:
      return `the token could not be verified (${e.message ?? String(err)})`;
  }
}
