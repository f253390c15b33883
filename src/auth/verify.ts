/**
 * Access token verification (SMART App Launch 2.x; RFC 6750 bearer tokens; RFC 9068 JWT access
 * tokens): the signature against the keys of a trusted issuer (Relay's own or one of
 * RELAY_AUTH_ISSUERS), `iss` a known issuer, `aud` Relay's FHIR base URL, exp and nbf within the
 * clock skew, and the algorithm allow-list of ./jwt.ts. A client sends the same token with every
 * request until it expires, so a verified token is remembered (by its exact text, until its exp plus
 * the skew; at most MAX_REMEMBERED tokens): checking its ES256/RS256 signature again on every read
 * would cost about a quarter of read throughput (bench/auth.ts). A key removed from an issuer's JWKS
 * therefore stops tokens it signed only when they expire (RELAY_AUTH_TOKEN_TTL for Relay's own).
 */
import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { BearerError } from './errors';
import type { Grant } from './grant';
import { ALGORITHMS, JwtRejected, peek, rejectionReason } from './jwt';
import { parseScopes } from './scopes';

export interface IssuerKeys {
  issuer: string;
  keys: JWTVerifyGetKey;
}

export interface VerifierOptions {
  issuers: readonly IssuerKeys[];
  /** The FHIR base URL. */
  audience: string;
  clockSkewMs: number;
}

/** Verifies the Authorization header of a request; resolves to what the token grants, or throws a BearerError. */
export type Verifier = (authorization: string | undefined) => Promise<Grant>;

const MAX_REMEMBERED = 10_000;

export function createVerifier(options: VerifierOptions): Verifier {
  const byIssuer = new Map(options.issuers.map((i) => [i.issuer, i.keys]));
  const verified = new Map<string, Grant>();
  return async (authorization) => {
    const token = bearerToken(authorization);
    const known = verified.get(token);
    if (known) {
      if (Date.now() < (known.expiresAt as number) * 1000 + options.clockSkewMs) return known;
      verified.delete(token);
    }
    let kid: string | undefined;
    try {
      const { header, claims } = peek(token);
      kid = header.kid;
      const keys = typeof claims.iss === 'string' ? byIssuer.get(claims.iss) : undefined;
      if (!keys) throw new JwtRejected(`the issuer ${JSON.stringify(claims.iss ?? null)} is not trusted by this server`);
      const { payload } = await jwtVerify(token, keys, {
        issuer: claims.iss,
        audience: options.audience,
        algorithms: [...ALGORITHMS],
        clockTolerance: Math.round(options.clockSkewMs / 1000),
        requiredClaims: ['exp', 'sub'],
      });
      const grant = Object.freeze(grantOf(payload));
      if (verified.size >= MAX_REMEMBERED) verified.delete(verified.keys().next().value as string);
      verified.set(token, grant);
      return grant;
    } catch (err) {
      const reason = err instanceof JwtRejected ? err.message : rejectionReason(err, { audience: options.audience, kid });
      throw new BearerError('invalid_token', reason);
    }
  };
}

/** The token of `Authorization: Bearer <token>` (RFC 6750 section 2.1). */
function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new BearerError('invalid_request', 'no access token: send Authorization: Bearer <token>');
  }
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization.trim());
  if (!m) throw new BearerError('invalid_request', 'the Authorization header must be "Bearer <token>"');
  return m[1];
}

function grantOf(payload: JWTPayload): Grant {
  const { resource, other } = parseScopes(typeof payload.scope === 'string' ? payload.scope : '');
  const text = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
  const subject = payload.sub as string;
  return {
    issuer: payload.iss as string,
    subject,
    clientId: text('client_id') ?? subject,
    scopes: resource,
    otherScopes: other,
    patient: text('patient'),
    fhirUser: text('fhirUser'),
    organization: text('organization'),
    tokenId: payload.jti,
    expiresAt: payload.exp,
  };
}
