/**
 * The trusted external issuers file (RELAY_AUTH_ISSUERS): a JSON array of
 * `{ "issuer": "https://idp.example.org", "jwksUri": "https://idp.example.org/jwks" }` or
 * `{ "issuer": "...", "jwksFile": "keys.json" }` (a JWK Set, RFC 7517 section 5; a relative path is
 * relative to the issuers file). Read once at start; a bad file stops the start.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

/** An issuer whose access tokens Relay accepts, with where its public keys are. */
export interface TrustedIssuer {
  issuer: string;
  /** Fetched (and cached) when a token names a key not seen yet. */
  jwksUri?: string;
  /** Keys given up front (a jwksFile, read at start). */
  jwks?: JsonWebKeySet;
}

/** Reads and checks the issuers file; throws an Error saying what is wrong. */
export function readIssuersFile(file: string): TrustedIssuer[] {
  const list = readJson(file, 'the issuers file');
  if (!Array.isArray(list)) throw new Error(`${file} must hold a JSON array of { "issuer", "jwksUri" | "jwksFile" }`);
  return list.map((entry, i) => {
    const at = `${file} [${i}]`;
    if (!entry || typeof entry !== 'object') throw new Error(`${at} is not an object`);
    const { issuer, jwksUri, jwksFile } = entry as Record<string, unknown>;
    if (typeof issuer !== 'string' || !isUrl(issuer)) throw new Error(`${at}: "issuer" must be an absolute URL`);
    if ((jwksUri === undefined) === (jwksFile === undefined)) throw new Error(`${at}: give exactly one of "jwksUri" and "jwksFile"`);
    if (jwksUri !== undefined) {
      if (typeof jwksUri !== 'string' || !isUrl(jwksUri) || !secure(new URL(jwksUri))) throw new Error(`${at}: "jwksUri" must be an https URL (http only on a loopback host)`);
      return { issuer, jwksUri };
    }
    if (typeof jwksFile !== 'string') throw new Error(`${at}: "jwksFile" must be a path`);
    return { issuer, jwks: readJwks(path.resolve(path.dirname(file), jwksFile)) };
  });
}

/** Reads a JWK Set file: `{ "keys": [...] }`, public keys only. */
export function readJwks(file: string): JsonWebKeySet {
  const jwks = readJson(file, 'the JWK Set');
  if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as JsonWebKeySet).keys)) throw new Error(`${file} is not a JWK Set ({ "keys": [...] })`);
  const keys = (jwks as JsonWebKeySet).keys;
  if (keys.some((k) => !k || typeof k !== 'object' || 'd' in k)) throw new Error(`${file} must hold public keys only (a key has a private part "d")`);
  return { keys };
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

function isUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function secure(url: URL): boolean {
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}
