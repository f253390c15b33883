/**
 * Relay's signing key (SMART App Launch 2.x backend-services.html; RFC 7517 JWK, RFC 7638 kid as
 * the JWK thumbprint): an ES256 key pair generated on first start and kept as a private JWK in
 * `<RELAY_DATA_DIR>/auth/signing-key.json` (mode 0600); its public half is served as the JWKS.
 */
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SigningKey {
  kid: string;
  alg: 'ES256';
  privateKey: KeyObject;
  /** The public JWK with kid, alg and use, as published. */
  publicJwk: Record<string, string>;
}

/** The auth directory of a data directory. */
export function authDir(dataDir: string): string {
  return path.join(dataDir, 'auth');
}

/** Loads the signing key, generating and storing it first if there is none. */
export function loadSigningKey(dataDir: string): SigningKey {
  const file = path.join(authDir(dataDir), 'signing-key.json');
  let jwk: Record<string, string>;
  if (fs.existsSync(file)) {
    jwk = JSON.parse(fs.readFileSync(file, 'utf8'));
  } else {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const exported = privateKey.export({ format: 'jwk' }) as Record<string, string>;
    jwk = { ...exported, kid: thumbprint(exported), alg: 'ES256', use: 'sig' };
    fs.mkdirSync(authDir(dataDir), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(jwk, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, file);
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error(`${file} is not an ES256 (P-256) private JWK`);
  const { kty, crv, x, y, kid } = jwk;
  return { kid, alg: 'ES256', privateKey: createPrivateKey({ key: jwk, format: 'jwk' }), publicJwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' } };
}

/** RFC 7638 thumbprint of an EC key: SHA-256 over the required members in lexicographic order. */
function thumbprint(jwk: Record<string, string>): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
