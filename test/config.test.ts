import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, SETTINGS } from '../src/config';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.mongodbUri).toBeUndefined();
    expect(c.baseUrl).toBe('http://127.0.0.1:8080/fhir');
  });

  it('derives the base URL from HOST and PORT unless RELAY_BASE_URL is set, without a trailing slash', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '9000', RELAY_AUTH: 'smart' }).baseUrl).toBe('http://0.0.0.0:9000/fhir');
    expect(loadConfig({ RELAY_BASE_URL: 'https://relay.example.org/fhir/' }).baseUrl).toBe('https://relay.example.org/fhir');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['HOST', 'not a host!'],
    ['RELAY_BASE_URL', 'not-a-url'],
    ['RELAY_BASE_URL', 'ftp://x/fhir'],
    ['MONGODB_URI', 'http://localhost:27017'],
    ['RELAY_MAX_BODY', 'lots'],
    ['RELAY_PAGE_SIZE', '0'],
  ])('rejects %s=%s with an error naming the setting', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it('reads sizes with units', () => {
    expect(loadConfig({ RELAY_MAX_BODY: '2mb' }).maxBodyBytes).toBe(2 * 1024 * 1024);
  });

  it('documents every setting in the README configuration table, with its default', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const s of SETTINGS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${s.env}\``));
      expect(row).toBeDefined();
      if (s.default) expect(row).toContain(s.default);
    }
  });
});
