import { SharedParts, sameJson } from './frozen';
import { Interner } from './intern';

describe('stored documents (frozen.ts)', () => {
  it('stores what a JSON round trip gives, frozen, sharing the strings', () => {
    const data = 'x'.repeat(1000);
    const doc = { _id: 'a', when: new Date(0), n: -0, bad: NaN, gone: undefined, list: [1, undefined, () => 1], nested: { data, nope: undefined } };
    const { value, maxJsonBytes } = new SharedParts(new Interner()).copy(doc);
    expect(value).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(Object.is((value as unknown as { n: number }).n, 0)).toBe(true);
    expect(Object.isFrozen(value) && Object.isFrozen(value.nested) && Object.isFrozen(value.list)).toBe(true);
    expect((value.nested as { data: string }).data).toBe(data);
    expect(maxJsonBytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(doc)));
    expect(() => new SharedParts(new Interner()).copy({ _id: 'b', big: 1n } as never)).toThrow(TypeError);
  });

  it('keeps an own __proto__ key a plain property', () => {
    const doc = JSON.parse('{"_id":"a","x":{"__proto__":{"polluted":true}}}');
    const { value } = new SharedParts(new Interner()).copy(doc);
    expect(JSON.stringify(value)).toBe(JSON.stringify(doc));
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('stores one copy of a part two documents hold, unless the caller changed it in between', () => {
    const shared = new SharedParts(new Interner());
    const resource = { resourceType: 'Patient', name: [{ family: 'A' }] };
    const current = shared.copy({ _id: 'p', resource }).value;
    const history = shared.copy({ _id: 'p/1', resource }).value;
    expect(history.resource).toBe(current.resource);
    resource.name[0].family = 'B';
    const later = shared.copy({ _id: 'p/2', resource }).value;
    expect(later.resource).not.toBe(current.resource);
    expect((current.resource as typeof resource).name[0].family).toBe('A');
    expect((later.resource as typeof resource).name[0].family).toBe('B');
  });

  it('compares with JSON semantics, conservatively', () => {
    expect(sameJson({ a: [1, 'x', { b: null }] }, { a: [1, 'x', { b: null }] })).toBe(true);
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(false);
    expect(sameJson({ a: -0 }, { a: 0 })).toBe(false);
    expect(sameJson({ a: NaN }, { a: null })).toBe(false);
    expect(sameJson({ a: new Date(0) }, { a: new Date(0).toJSON() })).toBe(false);
    expect(sameJson([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });
});
