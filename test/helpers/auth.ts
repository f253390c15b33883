/**
 * Helpers for the SMART auth tests: key pairs, access tokens signed with Relay's own key (or any
 * other), client assertions (RFC 7523) and token requests against a test app started with
 * `startTestApp({ auth: 'smart' })`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { loadSigningKey } from '../../src/auth/server/keys';
import { TEST_BASE_URL, type TestApp } from './test-app';

export const ISSUER = 'http://relay.test/auth';
export const TOKEN_ENDPOINT = `${ISSUER}/token`;
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
  alg: string;
}

/** A fresh key pair; its public JWK carries kid and alg. */
export async function keyPair(alg: 'ES256' | 'ES384' | 'RS256' | 'RS384' = 'ES256', kid: string = randomUUID()): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg }, kid, alg };
}

export interface TokenOptions {
  scope?: string;
  iss?: string;
  aud?: string;
  sub?: string;
  /** Seconds from now. */
  exp?: number;
  nbf?: number;
  extra?: Record<string, unknown>;
  /** Sign with this key (default: Relay's own signing key). */
  key?: KeyPair;
  kid?: string;
}

/** An access token signed with Relay's key (by default) for the test app. */
export async function accessToken(t: TestApp, options: TokenOptions = {}): Promise<string> {
  const relay = loadSigningKey(t.dataDir);
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: options.scope ?? 'system/*.cruds', ...options.extra })
    .setProtectedHeader({ alg: options.key?.alg ?? 'ES256', kid: options.kid ?? options.key?.kid ?? relay.kid })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? TEST_BASE_URL)
    .setSubject(options.sub ?? 'test-client')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.exp ?? 300))
    .setJti(randomUUID());
  if (options.nbf !== undefined) jwt.setNotBefore(now + options.nbf);
  return jwt.sign(options.key?.privateKey ?? relay.privateKey);
}

/** A compact JWS with the given header and claims and a signature made by `sign` (for alg none and HMAC forgeries). */
export function handMadeJwt(header: Record<string, unknown>, claims: Record<string, unknown>, sign: (input: string) => string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign(input)}`;
}

/** Standard claims of a valid Relay access token, for hand-made tokens. */
export function validClaims(scope = 'system/*.cruds'): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: TEST_BASE_URL, sub: 'test-client', iat: now, exp: now + 300, jti: randomUUID(), scope };
}

/** A client assertion (RFC 7523; SMART backend services) signed with the client's key. */
export async function clientAssertion(clientId: string, key: KeyPair, options: { aud?: string; exp?: number; jti?: string; iss?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(options.iss ?? clientId)
    .setSubject(clientId)
    .setAudience(options.aud ?? TOKEN_ENDPOINT)
    .setExpirationTime(now + (options.exp ?? 240))
    .setJti(options.jti ?? randomUUID())
    .sign(key.privateKey);
}

/** POSTs a token request (form-encoded) to /auth/token. */
export function tokenRequest(t: TestApp, form: Record<string, string>) {
  return t.request.post('/auth/token').type('form').send(new URLSearchParams(form).toString());
}

/** The usual backend-services token request for `assertion`. */
export function backendForm(assertion: string, scope: string): Record<string, string> {
  return { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, scope };
}

/** Writes a JWK Set file holding `keys` in `dir`; returns its path. */
export async function writeJwks(dir: string, name: string, keys: JWK[]): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, JSON.stringify({ keys }));
  return file;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
