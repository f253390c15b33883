import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { indexedCodeSystem, terminologyEnv } from '../validation/valuesets';
import { outcomeErrorOf } from '../../test/helpers/outcome-error';
import { checkInCodeSystem, checkInValueSet, checkParameters } from './validate-code';

const A = 'http://example.org/CodeSystem/a';
const B = 'http://example.org/CodeSystem/b';
const a: CodeSystem = {
  resourceType: 'CodeSystem',
  url: A,
  version: '2',
  status: 'active',
  content: 'complete',
  concept: [
    { code: 'group', display: 'Group', property: [{ code: 'notSelectable', valueBoolean: true }], concept: [{ code: 'x', display: 'Ex', designation: [{ value: 'Letter X' }] }] },
    { code: 'y', display: 'Why' },
  ],
};
const b: CodeSystem = { resourceType: 'CodeSystem', url: B, status: 'active', content: 'complete', concept: [{ code: 'x', display: 'Other ex' }] };
const env = terminologyEnv([a, b]);
const vs: ValueSet = { resourceType: 'ValueSet', status: 'active', url: 'http://example.org/vs', title: 'Test', compose: { include: [{ system: A, concept: [{ code: 'group' }, { code: 'x' }] }] } };

describe('checkInValueSet', () => {
  it('accepts a code of the value set and returns its display', () => {
    expect(checkInValueSet(vs, env, [{ system: A, code: 'x' }])).toEqual({ result: true, display: 'Ex' });
  });

  it('rejects a code outside the value set, saying whether its code system has it', () => {
    expect(checkInValueSet(vs, env, [{ system: A, code: 'y' }])).toEqual({ result: false, message: 'http://example.org/CodeSystem/a#y is not in value set "Test" (http://example.org/vs)' });
    expect(checkInValueSet(vs, env, [{ system: A, code: 'zz' }]).message).toContain('code system http://example.org/CodeSystem/a has no code "zz"');
  });

  it('warns about a display that is neither the display nor a designation, ignoring case and spacing', () => {
    expect(checkInValueSet(vs, env, [{ system: A, code: 'x', display: '  letter   x ' }])).toEqual({ result: true, display: 'Ex' });
    expect(checkInValueSet(vs, env, [{ system: A, code: 'x', display: 'Wrong' }])).toEqual({
      result: true,
      display: 'Ex',
      message: 'display "Wrong" is not a display of http://example.org/CodeSystem/a#x: expected "Ex"',
    });
  });

  it('matches a code without system only when one system has it', () => {
    expect(checkInValueSet(vs, env, [{ code: 'x' }]).result).toBe(true);
    const both: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: A }, { system: B }] } };
    expect(checkInValueSet(both, env, [{ code: 'x' }]).message).toContain('several code systems');
  });

  it('accepts a CodeableConcept when any coding is valid, else reports every reason', () => {
    expect(checkInValueSet(vs, env, [{ system: B, code: 'x' }, { system: A, code: 'x' }]).result).toBe(true);
    const bad = checkInValueSet(vs, env, [{ system: B, code: 'x' }, { system: A, code: 'y' }]);
    expect(bad.result).toBe(false);
    expect(bad.message?.split('; ')).toHaveLength(2);
  });

  it('rejects abstract codes when abstract=false, and a version the code system does not have', () => {
    expect(checkInValueSet(vs, env, [{ system: A, code: 'group' }]).result).toBe(true);
    expect(checkInValueSet(vs, env, [{ system: A, code: 'group' }], { abstract: false }).result).toBe(false);
    expect(checkInValueSet(vs, env, [{ system: A, code: 'x', version: '2' }]).result).toBe(true);
    expect(checkInValueSet(vs, env, [{ system: A, code: 'x', version: '1' }]).message).toContain('version "1"');
  });

  it('checks syntax-defined value sets by syntax, and refuses value sets it cannot expand', () => {
    const mime: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: 'urn:ietf:bcp:13' }] } };
    expect(checkInValueSet(mime, env, [{ system: 'urn:ietf:bcp:13', code: 'image/png' }]).result).toBe(true);
    expect(checkInValueSet(mime, env, [{ system: 'urn:ietf:bcp:13', code: 'png' }]).result).toBe(false);
    const loinc: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: 'http://loinc.org' }] } };
    expect(outcomeErrorOf(() => checkInValueSet(loinc, env, [{ system: 'http://loinc.org', code: '1-8' }])).outcome.issue?.[0]).toMatchObject({ code: 'not-supported', diagnostics: expect.stringContaining('LOINC') });
  });
});

describe('checkInCodeSystem', () => {
  const cs = indexedCodeSystem(a);
  it('accepts codes of the code system, nested ones too', () => {
    expect(checkInCodeSystem(cs, [{ code: 'x' }])).toEqual({ result: true, display: 'Ex' });
    expect(checkInCodeSystem(cs, [{ code: 'nope' }])).toEqual({ result: false, message: 'code system http://example.org/CodeSystem/a has no code "nope"' });
    expect(checkInCodeSystem(cs, [{ system: B, code: 'x' }]).result).toBe(false);
  });

  it('refuses to reject a code of a fragment code system', () => {
    const fragment = indexedCodeSystem({ ...a, content: 'fragment' });
    expect(checkInCodeSystem(fragment, [{ code: 'y' }]).result).toBe(true);
    expect(outcomeErrorOf(() => checkInCodeSystem(fragment, [{ code: 'nope' }])).outcome.issue?.[0].code).toBe('not-supported');
  });
});

describe('checkParameters', () => {
  it('answers result, then message and display when present', () => {
    expect(checkParameters({ result: false, message: 'no' })).toEqual({ resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: false }, { name: 'message', valueString: 'no' }] });
  });
});
