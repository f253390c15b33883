import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createVerifier } from './verify';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'http://relay.test/fhir';

async function setup() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  const verify = createVerifier({ issuers: [{ issuer: ISSUER, keys }], audience: AUDIENCE, clockSkewMs: 0 });
  const token = (expiresAt: number) =>
    new SignJWT({ scope: 'system/*.read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('client-1').setExpirationTime(expiresAt).sign(privateKey);
  return { verify, token };
}

describe('access token verification', () => {
  it('remembers a verified token: the same token verifies to the same grant', async () => {
    const { verify, token } = await setup();
    const t = await token(Math.floor(Date.now() / 1000) + 60);
    const first = await verify(`Bearer ${t}`);
    expect(first).toMatchObject({ issuer: ISSUER, subject: 'client-1' });
    expect(await verify(`Bearer ${t}`)).toBe(first);
  });

  it('refuses a remembered token once it has expired', async () => {
    const { verify, token } = await setup();
    const t = await token(Math.floor(Date.now() / 1000) + 2);
    await expect(verify(`Bearer ${t}`)).resolves.toMatchObject({ subject: 'client-1' });
    // Only the clock moves (Date for Relay and jose alike); timers and ticks stay real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
    try {
      jest.setSystemTime(Date.now() + 3_000);
      await expect(verify(`Bearer ${t}`)).rejects.toMatchObject({ message: expect.stringMatching(/expired/) });
    } finally {
      jest.useRealTimers();
    }
  });

  it('never remembers a token that failed: a forged copy of a remembered token is still refused', async () => {
    const { verify, token } = await setup();
    const t = await token(Math.floor(Date.now() / 1000) + 60);
    await verify(`Bearer ${t}`);
    const [header, payload] = t.split('.');
    await expect(verify(`Bearer ${header}.${payload}.${'A'.repeat(86)}`)).rejects.toBeDefined();
  });
});
