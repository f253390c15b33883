import type { CodeSystem } from '@medplum/fhirtypes';
import { indexedCodeSystem } from '../validation/valuesets';
import { outcomeErrorOf } from '../../test/helpers/outcome-error';
import { lookupCode } from './lookup';

const cs = indexedCodeSystem({
  resourceType: 'CodeSystem',
  url: 'http://example.org/cs',
  name: 'Example',
  title: 'Example codes',
  status: 'active',
  content: 'complete',
  property: [
    { code: 'weight', type: 'integer' },
    { code: 'retired', type: 'boolean' },
  ],
  concept: [
    {
      code: 'parent',
      display: 'Parent',
      concept: [
        {
          code: 'kid',
          display: 'Kid',
          definition: 'A child concept.',
          designation: [{ language: 'de', use: { system: 'http://snomed.info/sct', code: '900000000000013009' }, value: 'Kind' }],
          property: [
            { code: 'weight', valueInteger: 3 },
            { code: 'retired', valueBoolean: false },
          ],
        },
      ],
    },
    { code: 'bare' },
  ],
} as CodeSystem);

describe('lookupCode', () => {
  it('answers name, display, designations, definition, hierarchy and typed properties', () => {
    expect(lookupCode(cs, 'kid').parameter).toEqual([
      { name: 'name', valueString: 'Example codes' },
      { name: 'display', valueString: 'Kid' },
      { name: 'designation', part: [{ name: 'language', valueCode: 'de' }, { name: 'use', valueCoding: { system: 'http://snomed.info/sct', code: '900000000000013009' } }, { name: 'value', valueString: 'Kind' }] },
      { name: 'property', part: [{ name: 'code', valueCode: 'definition' }, { name: 'value', valueString: 'A child concept.' }] },
      { name: 'property', part: [{ name: 'code', valueCode: 'parent' }, { name: 'value', valueCode: 'parent' }, { name: 'description', valueString: 'Parent' }] },
      { name: 'property', part: [{ name: 'code', valueCode: 'weight' }, { name: 'value', valueInteger: 3 }] },
      { name: 'property', part: [{ name: 'code', valueCode: 'retired' }, { name: 'value', valueBoolean: false }] },
    ]);
  });

  it('shows children, uses the code as display when there is none, and limits properties to those asked for', () => {
    expect(lookupCode(cs, 'parent', ['child']).parameter?.slice(1)).toEqual([
      { name: 'display', valueString: 'Parent' },
      { name: 'property', part: [{ name: 'code', valueCode: 'child' }, { name: 'value', valueCode: 'kid' }, { name: 'description', valueString: 'Kid' }] },
    ]);
    expect(lookupCode(cs, 'bare').parameter).toEqual([
      { name: 'name', valueString: 'Example codes' },
      { name: 'display', valueString: 'bare' },
    ]);
  });

  it('answers 404 naming the code and the system for an unknown code', () => {
    const err = outcomeErrorOf(() => lookupCode(cs, 'nope'));
    expect(err.kind).toBe('not-found');
    expect(err.outcome.issue?.[0].diagnostics).toBe('code "nope" is not in code system http://example.org/cs');
  });
});

describe('lookupCode on a code system without content', () => {
  it('answers 400 not-supported rather than 404', () => {
    const empty = indexedCodeSystem({ resourceType: 'CodeSystem', url: 'http://example.org/none', status: 'active', content: 'not-present' });
    const err = outcomeErrorOf(() => lookupCode(empty, 'x'));
    expect([err.kind, err.outcome.issue?.[0].code]).toEqual(['invalid', 'not-supported']);
  });
});
