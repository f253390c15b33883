import type { ElementRule } from './compile';
import { equalsFixed, matchesPattern } from './patterns';
import { assignSlices, type Located } from './slicing';

function rule(name: string, extra: Partial<ElementRule> = {}): ElementRule {
  return { id: name, name, choice: false, isArray: true, types: [], restrictsTypes: false, invariants: [], children: [], slices: [], ...extra };
}

const items = (...values: unknown[]): Located[] => values.map((value, i) => ({ value, path: `X.item[${i}]`, key: 'item' }));

describe('patterns', () => {
  it('matches a pattern array when each pattern item matches some instance item (a pattern on a repeating element)', () => {
    const pattern = { coding: [{ system: 's', code: 'a' }] };
    expect(matchesPattern({ coding: [{ system: 'other', code: 'x' }, { system: 's', code: 'a', display: 'A' }] }, pattern)).toBe(true);
    expect(matchesPattern({ coding: [{ system: 's', code: 'b' }] }, pattern)).toBe(false);
    expect(matchesPattern({ text: 'no coding' }, pattern)).toBe(false);
  });

  it('compares fixed values exactly: no extra properties, same array order', () => {
    expect(equalsFixed({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(equalsFixed({ a: 1, b: [1, 2], c: 3 }, { a: 1, b: [1, 2] })).toBe(false);
    expect(equalsFixed([2, 1], [1, 2])).toBe(false);
  });
});

describe('slice assignment', () => {
  const system = (value: string) => rule('system', { isArray: false, fixed: { type: 'uri', value } });

  it('assigns by a value discriminator on a child, and leaves the rest unmatched', () => {
    const sliced = rule('identifier', {
      slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'closed' },
      slices: [
        { name: 'mrn', rule: rule('identifier', { children: [system('urn:mrn')] }) },
        { name: 'ssn', rule: rule('identifier', { children: [system('urn:ssn')] }) },
      ],
    });
    const { bySlice, unmatched } = assignSlices(sliced, items({ system: 'urn:ssn', value: '1' }, { system: 'urn:mrn', value: '2' }, { system: 'urn:x' }), () => false);
    expect(bySlice.get('mrn')?.map((i) => i.path)).toEqual(['X.item[1]']);
    expect(bySlice.get('ssn')?.map((i) => i.path)).toEqual(['X.item[0]']);
    expect(unmatched.map((i) => i.path)).toEqual(['X.item[2]']);
  });

  it('assigns by a pattern on $this assembled from the values the profile fixes on the slice children', () => {
    const coding = rule('coding', { isArray: true, children: [system('urn:specialty')] });
    const sliced = rule('category', {
      slicing: { discriminator: [{ type: 'pattern', path: '$this' }], rules: 'open' },
      slices: [{ name: 'specialty', rule: rule('category', { children: [coding] }) }],
    });
    const { bySlice, unmatched } = assignSlices(sliced, items({ text: 'x' }, { coding: [{ system: 'urn:other' }, { system: 'urn:specialty', code: 'derm' }] }), () => false);
    expect(bySlice.get('specialty')?.map((i) => i.path)).toEqual(['X.item[1]']);
    expect(unmatched).toHaveLength(1);
  });

  it('assigns by exists, type and profile discriminators', () => {
    const exists = rule('component', {
      slicing: { discriminator: [{ type: 'exists', path: 'valueQuantity' }], rules: 'open' },
      slices: [
        { name: 'measured', rule: rule('component', { children: [rule('valueQuantity', { isArray: false, min: 1 })] }) },
        { name: 'absent', rule: rule('component', { children: [rule('valueQuantity', { isArray: false, max: 0 })] }) },
      ],
    });
    const byExists = assignSlices(exists, items({ valueQuantity: { value: 1 } }, { valueString: 'x' }), () => false);
    expect(byExists.bySlice.get('measured')).toHaveLength(1);
    expect(byExists.bySlice.get('absent')).toHaveLength(1);

    const typed = rule('contained', {
      slicing: { discriminator: [{ type: 'type', path: '$this' }], rules: 'open' },
      slices: [{ name: 'patient', rule: rule('contained', { types: [{ code: 'Patient' }] }) }],
    });
    expect(assignSlices(typed, items({ resourceType: 'Patient' }, { resourceType: 'Group' }), () => false).unmatched).toHaveLength(1);

    const profiled = rule('entry', {
      slicing: { discriminator: [{ type: 'profile', path: '$this' }], rules: 'open' },
      slices: [{ name: 'strict', rule: rule('entry', { types: [{ code: 'Observation', profile: ['urn:strict'] }] }) }],
    });
    const conformsTo = (value: unknown, url: string) => url === 'urn:strict' && (value as { ok?: boolean }).ok === true;
    expect(assignSlices(profiled, items({ ok: true }, { ok: false }), conformsTo).bySlice.get('strict')).toHaveLength(1);
  });

  it('recognises an extension slice by the profile of its type when its url is not fixed', () => {
    const sliced = rule('extension', {
      slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' },
      slices: [{ name: 'specialty', rule: rule('extension', { types: [{ code: 'Extension', profile: ['urn:ext:specialty'] }] }) }],
    });
    const { bySlice, unmatched } = assignSlices(sliced, items({ url: 'urn:ext:specialty', valueCode: 'a' }, { url: 'urn:ext:other' }), () => false);
    expect(bySlice.get('specialty')).toHaveLength(1);
    expect(unmatched).toHaveLength(1);
  });
});
