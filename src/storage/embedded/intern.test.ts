import { Interner } from './intern';

describe('shared string instances (intern.ts)', () => {
  it('answers an equal string, whatever its length', () => {
    const strings = new Interner();
    const long = 'y'.repeat(500);
    expect(strings.intern('http://loinc.org')).toBe('http://loinc.org');
    expect(strings.intern(['http://', 'loinc.org'].join(''))).toBe('http://loinc.org');
    expect(strings.intern(long)).toBe(long);
  });

  it('replaces strings in place inside objects and arrays, leaving every value equal', () => {
    const strings = new Interner();
    const text = '{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"tags":["a","b",["c",1,null,true]],"n":1.5}';
    const parsed = JSON.parse(text) as unknown;
    strings.internAll(parsed);
    expect(parsed).toEqual(JSON.parse(text));
    strings.internAll('not an object');
    strings.internAll(null);
  });

  it('keeps an own __proto__ key a plain property and leaves the prototype alone', () => {
    const strings = new Interner();
    const parsed = JSON.parse('{"__proto__":"x","a":{"__proto__":{"polluted":"yes"}}}') as Record<string, unknown>;
    strings.internAll(parsed);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(parsed, '__proto__')).toBe(true);
    expect(JSON.stringify(parsed)).toBe('{"__proto__":"x","a":{"__proto__":{"polluted":"yes"}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
