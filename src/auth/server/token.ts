/**
 * POST /auth/token for SMART Backend Services (SMART App Launch 2.x backend-services.html;
 * RFC 6749 section 4.4 client credentials; RFC 7523 JWT client assertions, private_key_jwt):
 * checks the client assertion (signed with a key from the client's registered JWKS, iss = sub =
 * client id, aud = the token endpoint, exp at most five minutes ahead, a jti never seen before),
 * grants the requested scopes the client is allowed, and issues a short-lived access token.
 */
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { OAuthError } from '../errors';
import { ALGORITHMS, JwtRejected, keySet, peek, rejectionReason } from '../jwt';
import { grantScopes } from '../scopes';
import type { AuthUrls } from '../urls';
import { findClient, type RegisteredClient } from './clients';
import type { SigningKey } from './keys';
import { mintAccessToken } from './mint';
import type { JtiCache } from './replay';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Longest a client assertion may live (SMART: "no more than five minutes in the future"). */
const MAX_ASSERTION_S = 300;

export interface TokenEndpointDeps {
  dataDir: string;
  urls: AuthUrls;
  key: SigningKey;
  ttlMs: number;
  clockSkewMs: number;
  jtis: JtiCache;
  now?: () => Date;
}

/** The successful answer (RFC 6749 section 5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

const keyCache = new Map<string, JWTVerifyGetKey>();

/** Answers one token request (the form parameters); throws an OAuthError. */
export async function issueToken(form: Record<string, string | undefined>, deps: TokenEndpointDeps): Promise<TokenResponse> {
  const { grant_type: grantType, client_assertion_type: assertionType, client_assertion: assertion, scope } = form;
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required (client_credentials)');
  if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported; use client_credentials`);
  if (assertionType !== JWT_BEARER) throw new OAuthError('invalid_request', `client_assertion_type must be ${JWT_BEARER}`);
  if (!assertion) throw new OAuthError('invalid_request', 'client_assertion is required: a JWT signed with one of your registered keys');
  if (!scope?.trim()) throw new OAuthError('invalid_request', 'scope is required, e.g. "system/*.rs"');

  const client = await verifyAssertion(assertion, form.client_id, deps);
  const granted = grantScopes(scope, client.scopes);
  if (granted.length === 0) {
    throw new OAuthError('invalid_scope', `none of the requested scopes (${scope.trim()}) is allowed to client ${client.id}; allowed: ${client.scopes.join(' ')}`);
  }
  const { token, expiresIn } = await mintAccessToken(
    { clientId: client.id, scope: granted.join(' '), organization: client.organization },
    { key: deps.key, issuer: deps.urls.issuer, audience: deps.urls.audience, ttlMs: deps.ttlMs, now: deps.now?.() },
  );
  return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: granted.join(' ') };
}

/** The client whose assertion this is; throws invalid_client with the reason otherwise. */
async function verifyAssertion(assertion: string, claimedId: string | undefined, deps: TokenEndpointDeps): Promise<RegisteredClient> {
  const rejected = (reason: string) => new OAuthError('invalid_client', `client assertion rejected: ${reason}`);
  let header;
  let claims;
  try {
    ({ header, claims } = peek(assertion));
  } catch (err) {
    throw rejected((err as JwtRejected).message);
  }
  const id = claims.iss;
  if (typeof id !== 'string') throw rejected('iss (the client id) is missing');
  if (claimedId !== undefined && claimedId !== id) throw rejected(`client_id ${claimedId} differs from the assertion's iss ${id}`);
  const client = findClient(deps.dataDir, id);
  if (!client) throw new OAuthError('invalid_client', `unknown client ${JSON.stringify(id)}: register it with npm run clients -- add`);
  const nowMs = (deps.now?.() ?? new Date()).getTime();
  const skewS = Math.round(deps.clockSkewMs / 1000);
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keysOf(client), {
      issuer: id,
      subject: id,
      audience: deps.urls.tokenEndpoint,
      algorithms: [...ALGORITHMS],
      clockTolerance: skewS,
      requiredClaims: ['exp', 'jti', 'sub'],
      currentDate: new Date(nowMs),
    }));
  } catch (err) {
    throw rejected(rejectionReason(err, { audience: deps.urls.tokenEndpoint, kid: header.kid }));
  }
  const exp = payload.exp as number;
  if (exp * 1000 > nowMs + (MAX_ASSERTION_S + skewS) * 1000) throw rejected(`exp is more than ${MAX_ASSERTION_S / 60} minutes ahead`);
  if (!deps.jtis.claim(id, payload.jti as string, (exp + skewS) * 1000, nowMs)) throw rejected('this jti was already used (a replayed assertion)');
  return client;
}

function keysOf(client: RegisteredClient): JWTVerifyGetKey {
  const cacheKey = `${client.id}|${client.jwksUri ?? JSON.stringify(client.jwks)}`;
  let keys = keyCache.get(cacheKey);
  if (!keys) {
    keys = keySet(client);
    keyCache.set(cacheKey, keys);
  }
  return keys;
}
