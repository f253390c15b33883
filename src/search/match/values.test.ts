import { codeMatches, referenceMatches, stringMatches, uriMatches } from './values';

const BASE = 'https://relay.example/fhir';

describe('oracle: unordered values', () => {
  it('matches strings by folded prefix, folded substring or exact text', () => {
    const stored = { n: 'evelyne', e: 'Évelyne' };
    expect(stringMatches(stored, { kind: 'string', text: 'ÉVE' }, undefined)).toBe(true);
    expect(stringMatches(stored, { kind: 'string', text: 'lyn' }, 'contains')).toBe(true);
    expect(stringMatches(stored, { kind: 'string', text: 'evelyne' }, 'exact')).toBe(false);
  });

  it('matches token systems: absent means any, null means none', () => {
    expect(codeMatches('urn:s', 'x', { kind: 'token', code: 'x' })).toBe(true);
    expect(codeMatches('urn:s', 'x', { kind: 'token', system: null, code: 'x' })).toBe(false);
    expect(codeMatches(undefined, 'x', { kind: 'token', system: null, code: 'x' })).toBe(true);
    expect(codeMatches('urn:s', undefined, { kind: 'token', system: 'urn:s' })).toBe(true);
  });

  it('matches references by id over the targets, by type/id, and by URL on or off our base', () => {
    const local = { r: 'Patient/1' };
    expect(referenceMatches(local, { kind: 'reference', id: '1' }, ['Patient', 'Group'], BASE)).toBe(true);
    expect(referenceMatches(local, { kind: 'reference', id: '1' }, ['Group'], BASE)).toBe(false);
    expect(referenceMatches(local, { kind: 'reference', url: `${BASE}/Patient/1` }, [], BASE)).toBe(true);
    expect(referenceMatches({ r: `${BASE}/Patient/1` }, { kind: 'reference', url: `${BASE}/Patient/1` }, [], BASE)).toBe(false);
    expect(referenceMatches({ r: 'Patient/1', v: '2' }, { kind: 'reference', type: 'Patient', id: '1', version: '3' }, [], BASE)).toBe(false);
  });

  it('matches uris below and above on path boundaries', () => {
    expect(uriMatches('http://a.org/b/c', { kind: 'uri', uri: 'http://a.org/b' }, 'below')).toBe(true);
    expect(uriMatches('http://a.org/bc', { kind: 'uri', uri: 'http://a.org/b' }, 'below')).toBe(false);
    expect(uriMatches('http://a.org', { kind: 'uri', uri: 'http://a.org/b/c' }, 'above')).toBe(true);
    expect(uriMatches('http:/', { kind: 'uri', uri: 'http://a.org/b/c' }, 'above')).toBe(false);
  });
});
