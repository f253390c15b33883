import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { terminologyEnv } from '../validation/valuesets';
import { outcomeErrorOf } from '../../test/helpers/outcome-error';
import { buildExpansion, MAX_EXPANSION } from './expand';

const SYSTEM = 'http://example.org/CodeSystem/colours';
const colours: CodeSystem = {
  resourceType: 'CodeSystem',
  url: SYSTEM,
  status: 'active',
  content: 'complete',
  property: [
    { code: 'status', type: 'code' },
    { code: 'notSelectable', type: 'boolean' },
  ],
  concept: [
    {
      code: 'warm',
      display: 'Warm colours',
      property: [{ code: 'notSelectable', valueBoolean: true }],
      concept: [
        { code: 'red', display: 'Red', designation: [{ language: 'fr', value: 'Rouge' }] },
        { code: 'orange', display: 'Orange', property: [{ code: 'status', valueCode: 'retired' }] },
      ],
    },
    { code: 'blue', display: 'Blue' },
  ],
};
const all: ValueSet = { resourceType: 'ValueSet', status: 'active', url: 'http://example.org/ValueSet/colours', title: 'Colours', compose: { include: [{ system: SYSTEM }] } };
const env = terminologyEnv([colours]);
const codes = (vs: ValueSet) => vs.expansion?.contains?.map((c) => c.code) ?? [];

describe('buildExpansion', () => {
  it('lists every code with its display, flags abstract and inactive codes, and drops compose and narrative', () => {
    const out = buildExpansion({ ...all, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } }, env, {}, new Date('2024-05-01T10:00:00Z'));
    expect(out.compose).toBeUndefined();
    expect(out.text).toBeUndefined();
    expect(out.url).toBe(all.url);
    expect(out.expansion).toEqual({
      identifier: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/),
      timestamp: '2024-05-01T10:00:00.000Z',
      total: 4,
      offset: 0,
      contains: [
        { system: SYSTEM, abstract: true, code: 'warm', display: 'Warm colours' },
        { system: SYSTEM, code: 'red', display: 'Red' },
        { system: SYSTEM, inactive: true, code: 'orange', display: 'Orange' },
        { system: SYSTEM, code: 'blue', display: 'Blue' },
      ],
    });
  });

  it('filters on code or display case-insensitively, then pages; total counts the filtered codes', () => {
    const filtered = buildExpansion(all, env, { filter: 'R', offset: 1, count: 1 });
    expect(filtered.expansion).toMatchObject({ total: 3, offset: 1, parameter: [{ name: 'filter', valueString: 'R' }, { name: 'offset', valueInteger: 1 }, { name: 'count', valueInteger: 1 }] });
    expect(codes(filtered)).toEqual(['red']);
    expect(codes(buildExpansion(all, env, { filter: 'colours' }))).toEqual(['warm']);
    const none = buildExpansion(all, env, { count: 0 });
    expect(none.expansion?.total).toBe(4);
    expect(none.expansion?.contains).toBeUndefined();
  });

  it('applies activeOnly, excludeNotForUI and includeDesignations', () => {
    const out = buildExpansion(all, env, { activeOnly: true, excludeNotForUI: true, includeDesignations: true });
    expect(out.expansion?.contains).toEqual([
      { system: SYSTEM, code: 'red', display: 'Red', designation: [{ language: 'fr', value: 'Rouge' }] },
      { system: SYSTEM, code: 'blue', display: 'Blue' },
    ]);
    expect(out.expansion?.parameter?.map((p) => p.name)).toEqual(['includeDesignations', 'activeOnly', 'excludeNotForUI']);
  });

  it('expands is-a filters, concept lists (whose display wins) and exclusions', () => {
    const vs: ValueSet = {
      resourceType: 'ValueSet',
      status: 'active',
      compose: {
        include: [
          { system: SYSTEM, filter: [{ property: 'concept', op: 'is-a', value: 'warm' }] },
          { system: SYSTEM, concept: [{ code: 'blue', display: 'Sky blue' }] },
        ],
        exclude: [{ system: SYSTEM, concept: [{ code: 'warm' }] }],
      },
    };
    expect(buildExpansion(vs, env, {}).expansion?.contains?.map((c) => [c.code, c.display])).toEqual([
      ['red', 'Red'],
      ['orange', 'Orange'],
      ['blue', 'Sky blue'],
    ]);
  });

  it('answers 400 not-supported with the reason for a value set it cannot expand', () => {
    const snomed: ValueSet = { resourceType: 'ValueSet', status: 'active', url: 'http://example.org/vs/snomed', compose: { include: [{ system: 'http://snomed.info/sct', filter: [{ property: 'concept', op: 'is-a', value: '404684003' }] }] } };
    const err = outcomeErrorOf(() => buildExpansion(snomed, env, {}));
    expect(err.kind).toBe('invalid');
    expect(err.outcome.issue?.[0]).toMatchObject({ code: 'not-supported', diagnostics: expect.stringContaining('includes SNOMED CT (http://snomed.info/sct)') });
    const mime: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: 'urn:ietf:bcp:13' }] } };
    expect(outcomeErrorOf(() => buildExpansion(mime, env, {})).outcome.issue?.[0].diagnostics).toContain('not enumerable');
  });

  it('refuses regex filters that could backtrack catastrophically', () => {
    const vs: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: SYSTEM, filter: [{ property: 'code', op: 'regex', value: '([a-z]+)+!' }] }] } };
    expect(outcomeErrorOf(() => buildExpansion(vs, env, {})).outcome.issue?.[0].diagnostics).toContain('unsupported filter code regex ([a-z]+)+!');
    const safe: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: SYSTEM, filter: [{ property: 'code', op: 'regex', value: '[a-z]{3,4}' }] }] } };
    expect(codes(buildExpansion(safe, env, {}))).toEqual(['warm', 'red', 'blue']);
  });

  it('answers 400 too-costly for an unpaged expansion above MAX_EXPANSION, and pages it', () => {
    const big: CodeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/big', status: 'active', content: 'complete', concept: Array.from({ length: MAX_EXPANSION + 1 }, (_, i) => ({ code: `c${i}` })) };
    const vs: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: 'http://example.org/big' }] } };
    const bigEnv = terminologyEnv([big]);
    expect(outcomeErrorOf(() => buildExpansion(vs, bigEnv, {})).outcome.issue?.[0].code).toBe('too-costly');
    expect(codes(buildExpansion(vs, bigEnv, { offset: MAX_EXPANSION, count: 5 }))).toEqual([`c${MAX_EXPANSION}`]);
  });
});
