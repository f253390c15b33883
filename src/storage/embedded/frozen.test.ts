import { adoptParsed, Canon, SharedParts, sameJson } from './frozen';

describe('stored documents (frozen.ts)', () => {
  it('stores what a JSON round trip gives, frozen, sharing the strings', () => {
    const data = 'x'.repeat(1000);
    const doc = { _id: 'a', when: new Date(0), n: -0, bad: NaN, gone: undefined, list: [1, undefined, () => 1], nested: { data, nope: undefined } };
    const { value, maxJsonBytes } = new SharedParts().copy(doc);
    expect(value).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(Object.is((value as unknown as { n: number }).n, 0)).toBe(true);
    expect(Object.isFrozen(value) && Object.isFrozen(value.nested) && Object.isFrozen(value.list)).toBe(true);
    expect((value.nested as { data: string }).data).toBe(data);
    expect(maxJsonBytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(doc)));
    expect(() => new SharedParts().copy({ _id: 'b', big: 1n } as never)).toThrow(TypeError);
  });

  it('keeps an own __proto__ key a plain property', () => {
    const doc = JSON.parse('{"_id":"a","x":{"__proto__":{"polluted":true}}}');
    const { value } = new SharedParts().copy(doc);
    expect(JSON.stringify(value)).toBe(JSON.stringify(doc));
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('stores one copy of a part two documents hold, unless the caller changed it in between', () => {
    const shared = new SharedParts();
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

  it('holds each small value once across documents (canonical), and nothing else shared', () => {
    const canon = new Canon();
    const coding = () => ({ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' });
    const doc = (id: string, note: string) => ({ _id: id, resource: { resourceType: 'Observation', code: { coding: [coding()] }, note: [{ text: note.repeat(300) }] }, sp: { code: [{ s: 'http://loinc.org', c: '8867-4' }] } });
    const shared = new SharedParts(canon);
    const a = shared.copy(doc('a', 'first')).value as ReturnType<typeof doc>;
    const b = new SharedParts(canon).copy(doc('b', 'second')).value as ReturnType<typeof doc>;
    expect(a).toEqual(JSON.parse(JSON.stringify(doc('a', 'first'))));
    expect(b.resource.code).toBe(a.resource.code);
    expect(b.sp).toBe(a.sp);
    expect(b.resource).not.toBe(a.resource);
    expect(b.resource.note).not.toBe(a.resource.note);
    expect(Object.isFrozen(b.resource.code.coding[0])).toBe(true);
  });

  it('adopts a parsed document in place: frozen, small values canonical, __proto__ a plain key', () => {
    const canon = new Canon();
    const first = new SharedParts(canon).copy({ _id: 'a', v: { coding: [{ code: 'x' }] } }).value;
    const parsed = JSON.parse('{"_id":"b","v":{"coding":[{"code":"x"}]},"w":{"__proto__":{"p":1},"long":"' + 'y'.repeat(400) + '"}}');
    const w = parsed.w;
    const adopted = adoptParsed(parsed, canon) as Record<string, { __proto__?: unknown }>;
    expect(adopted).toBe(parsed);
    expect(adopted.v).toBe(first.v);
    expect(adopted.w).toBe(w);
    expect(Object.isFrozen(adopted) && Object.isFrozen(adopted.w)).toBe(true);
    expect(JSON.stringify(adopted.w)).toBe('{"__proto__":{"p":1},"long":"' + 'y'.repeat(400) + '"}');
    expect(({} as { p?: number }).p).toBeUndefined();
  });

  it('keeps a value canonical while it recurs, within a bounded number of values', () => {
    const canon = new Canon(4);
    const hot = Object.freeze({ c: 'hot' });
    expect(canon.of(hot)).toBe(hot);
    for (let i = 0; i < 20; i++) {
      canon.of(Object.freeze({ c: `cold${i}` }));
      expect(canon.of(Object.freeze({ c: 'hot' }))).toBe(hot);
    }
  });
});
