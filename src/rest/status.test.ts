import { resultMeta, returnedBody, statusText } from './status';
import type { FhirResult } from './types';

const version = { type: 'Patient', id: 'a', versionId: '2', lastUpdated: '2026-01-02T03:04:05.678Z' };
const BASE = 'http://relay.test/fhir';

describe('resultMeta', () => {
  it('gives a creation its status, Location, ETag and lastUpdated', () => {
    expect(resultMeta({ kind: 'created', version }, BASE)).toEqual({ status: 201, location: `${BASE}/Patient/a/_history/2`, etag: 'W/"2"', lastModified: version.lastUpdated });
  });

  it('sends Location otherwise only when the result asks for it, and nothing but the status without a version', () => {
    expect(resultMeta({ kind: 'ok', version }, BASE).location).toBeUndefined();
    expect(resultMeta({ kind: 'ok', version, location: true }, BASE).location).toBe(`${BASE}/Patient/a/_history/2`);
    expect(resultMeta({ kind: 'not-modified' }, BASE)).toEqual({ status: 304 });
  });
});

describe('statusText', () => {
  it('adds the HTTP reason phrase', () => {
    expect([201, 400, 412, 501].map(statusText)).toEqual(['201 Created', '400 Bad Request', '412 Precondition Failed', '501 Not Implemented']);
  });
});

describe('returnedBody', () => {
  const result: FhirResult = { kind: 'created', body: { resourceType: 'Patient', id: 'a' }, version };
  it('follows Prefer: return', () => {
    expect(returnedBody(result, undefined)).toBe(result.body);
    expect(returnedBody(result, 'representation')).toBe(result.body);
    expect(returnedBody(result, 'minimal')).toBeUndefined();
    expect(returnedBody(result, 'OperationOutcome')).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ diagnostics: 'created Patient/a version 2' }] });
  });
});
