/**
 * Authorization for one running server (SMART App Launch 2.x backend services): Relay's signing
 * key, its token endpoint, the verifier of access tokens from Relay and the trusted external
 * issuers, and the discovery documents. Built once by app.ts when RELAY_AUTH is smart.
 */
import { createLocalJWKSet } from 'jose';
import type { Config } from '../config';
import { keySet } from './jwt';
import { createVerifier, type Verifier } from './verify';
import { authUrls, type AuthUrls } from './urls';
import { loadSigningKey } from './server/keys';
import { JtiCache } from './server/replay';
import { issueToken, type TokenResponse } from './server/token';
import { smartConfiguration } from './server/discovery';

export interface AuthRuntime {
  /** The realm of WWW-Authenticate challenges. */
  realm: string;
  urls: AuthUrls;
  /** Verifies an Authorization header (see verify.ts). */
  verify: Verifier;
  /** POST /auth/token (see server/token.ts); throws an OAuthError. */
  token(form: Record<string, string | undefined>): Promise<TokenResponse>;
  /** GET /auth/jwks.json: Relay's public key. */
  jwks(): { keys: Record<string, string>[] };
  /** GET /fhir/.well-known/smart-configuration. */
  smartConfiguration(): Record<string, unknown>;
}

/** The runtime for `config` (loading or creating the signing key in the data directory). */
export function createAuth(config: Config): AuthRuntime {
  const urls = authUrls(config.baseUrl);
  const key = loadSigningKey(config.dataDir);
  const external = config.authIssuers.map((i) => {
    if (i.issuer === urls.issuer) throw new Error(`RELAY_AUTH_ISSUERS lists ${i.issuer}, which is Relay's own issuer`);
    return { issuer: i.issuer, keys: keySet(i) };
  });
  const verify = createVerifier({
    issuers: [{ issuer: urls.issuer, keys: createLocalJWKSet({ keys: [key.publicJwk] }) }, ...external],
    audience: urls.audience,
    clockSkewMs: config.authClockSkewMs,
  });
  const jtis = new JtiCache();
  const deps = { dataDir: config.dataDir, urls, key, ttlMs: config.authTokenTtlMs, clockSkewMs: config.authClockSkewMs, jtis };
  return {
    realm: config.baseUrl,
    urls,
    verify,
    token: (form) => issueToken(form, deps),
    jwks: () => ({ keys: [key.publicJwk] }),
    smartConfiguration: () => smartConfiguration(urls),
  };
}
