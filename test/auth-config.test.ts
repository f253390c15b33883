/** SMART auth settings: RELAY_AUTH (open refused off loopback), trusted issuers file, token lifetime and clock skew. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { makeDataDir, spawnServerProcess } from './helpers/test-app';

describe('RELAY_AUTH', () => {
  it('defaults to open on 127.0.0.1, with 5 minute tokens and 30 s of clock skew', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ auth: 'open', host: '127.0.0.1', authIssuers: [], authTokenTtlMs: 300_000, authClockSkewMs: 30_000 });
  });

  it.each(['127.0.0.1', '127.3.2.1', '::1', 'localhost'])('allows open on the loopback host %s', (host) => {
    expect(loadConfig({ HOST: host }).auth).toBe('open');
  });

  it.each(['0.0.0.0', '10.1.2.3', '::', 'relay.example.org'])('refuses open on the non-loopback host %s, naming RELAY_AUTH', (host) => {
    expect(() => loadConfig({ HOST: host })).toThrow(ConfigError);
    expect(() => loadConfig({ HOST: host })).toThrow(/^RELAY_AUTH: open .* not a loopback address/);
  });

  it('allows smart on any host', () => {
    expect(loadConfig({ HOST: '0.0.0.0', RELAY_AUTH: 'smart' }).auth).toBe('smart');
  });

  it.each([
    ['RELAY_AUTH', 'oauth'],
    ['RELAY_AUTH_TOKEN_TTL', '1s'],
    ['RELAY_AUTH_TOKEN_TTL', 'soon'],
    ['RELAY_AUTH_CLOCK_SKEW', '1h'],
    ['RELAY_AUTH_ISSUERS', '/no/such/issuers.json'],
  ])('rejects %s=%s naming the setting', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it('stops the server with exit status 2 when open is asked for on a non-loopback HOST', async () => {
    const dataDir = await makeDataDir();
    try {
      const server = await spawnServerProcess({ HOST: '0.0.0.0', RELAY_DATA_DIR: dataDir });
      const exit = await server.waitExit();
      expect(exit.code).toBe(2);
      expect(server.stderr).toMatch(/RELAY_AUTH/);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('RELAY_AUTH_ISSUERS', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeDataDir();
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const write = async (name: string, content: unknown) => {
    await fs.writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return path.join(dir, name);
  };

  it('reads issuers with a JWKS URL or a JWKS file (relative to the issuers file)', async () => {
    await write('keys.json', { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] });
    const file = await write('issuers.json', [
      { issuer: 'https://idp.example.org', jwksUri: 'https://idp.example.org/jwks' },
      { issuer: 'https://other.example.org', jwksFile: 'keys.json' },
    ]);
    expect(loadConfig({ RELAY_AUTH_ISSUERS: file }).authIssuers).toEqual([
      { issuer: 'https://idp.example.org', jwksUri: 'https://idp.example.org/jwks' },
      { issuer: 'https://other.example.org', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] } },
    ]);
  });

  it.each([
    ['not JSON', 'nope', /is not JSON/],
    ['not an array', { issuer: 'https://a' }, /JSON array/],
    ['no key source', [{ issuer: 'https://a.example' }], /exactly one of "jwksUri" and "jwksFile"/],
    ['a plain http JWKS URL', [{ issuer: 'https://a.example', jwksUri: 'http://a.example/jwks' }], /https URL/],
    ['a private key in the JWKS file', [{ issuer: 'https://a.example', jwksFile: 'private.json' }], /public keys only/],
  ])('refuses a file with %s', async (_what, content, message) => {
    await write('private.json', { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'secret' }] });
    const file = await write('bad.json', content);
    expect(() => loadConfig({ RELAY_AUTH_ISSUERS: file })).toThrow(/^RELAY_AUTH_ISSUERS: /);
    expect(() => loadConfig({ RELAY_AUTH_ISSUERS: file })).toThrow(message);
  });
});
