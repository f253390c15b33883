import { applyJsonPatch, jsonEqual, parseJsonPatch } from './json-patch';
import { outcomeErrorOf } from '../../test/helpers/outcome-error';

const apply = (doc: unknown, ops: unknown) => applyJsonPatch(doc, ops);
const failure = (doc: unknown, ops: unknown) => {
  const err = outcomeErrorOf(() => applyJsonPatch(doc, ops));
  return { kind: err.kind, text: err.outcome.issue?.[0].details?.text ?? '', expression: err.outcome.issue?.[0].expression?.[0] };
};

describe('JSON Patch (RFC 6902)', () => {
  describe('add', () => {
    it('adds an object member, and replaces one that exists', () => {
      expect(apply({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({ foo: 'bar', baz: 'qux' });
      expect(apply({ foo: 'bar' }, [{ op: 'add', path: '/foo', value: 1 }])).toEqual({ foo: 1 });
    });

    it('inserts into an array at an index, and appends with "-"', () => {
      expect(apply({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({ foo: ['bar', 'qux', 'baz'] });
      expect(apply({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }])).toEqual({ foo: ['bar', ['abc', 'def']] });
      expect(apply({ foo: ['bar'] }, [{ op: 'add', path: '/foo/1', value: 'end' }])).toEqual({ foo: ['bar', 'end'] });
    });

    it('refuses an index past the end, with leading zeros, or that is not a number (422)', () => {
      for (const path of ['/foo/2', '/foo/01', '/foo/x', '/foo/-1']) {
        expect(failure({ foo: ['bar'] }, [{ op: 'add', path, value: 1 }])).toMatchObject({ kind: 'unprocessable', expression: '[0].path' });
      }
    });

    it('refuses a missing parent, naming the missing step (422)', () => {
      const f = failure({ q: { bar: 2 } }, [{ op: 'add', path: '/a/b', value: 1 }]);
      expect(f).toMatchObject({ kind: 'unprocessable', expression: '[0].path' });
      expect(f.text).toContain('/a');
      expect(failure({ a: 1 }, [{ op: 'add', path: '/a/b', value: 1 }]).kind).toBe('unprocessable');
    });

    it('keeps "__proto__" an ordinary member instead of changing the prototype', () => {
      const out = apply({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
      expect(Object.hasOwn(out, '__proto__')).toBe(true);
      expect((out as { polluted?: unknown }).polluted).toBeUndefined();
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    });
  });

  describe('remove', () => {
    it('removes an object member and an array item', () => {
      expect(apply({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({ foo: 'bar' });
      expect(apply({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }])).toEqual({ foo: ['bar', 'baz'] });
    });

    it('refuses a location that does not exist (422)', () => {
      expect(failure({ foo: 1 }, [{ op: 'remove', path: '/bar' }])).toMatchObject({ kind: 'unprocessable', expression: '[0].path' });
      expect(failure({ foo: [1] }, [{ op: 'remove', path: '/foo/1' }]).kind).toBe('unprocessable');
      expect(failure({ foo: [1] }, [{ op: 'remove', path: '/foo/-' }]).kind).toBe('unprocessable');
    });
  });

  describe('replace', () => {
    it('replaces a member and an array item', () => {
      expect(apply({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }])).toEqual({ baz: 'boo', foo: 'bar' });
      expect(apply({ a: [1, 2, 3] }, [{ op: 'replace', path: '/a/1', value: 9 }])).toEqual({ a: [1, 9, 3] });
      expect(Object.keys(apply({ a: 1, b: 2, c: 3 }, [{ op: 'replace', path: '/b', value: 0 }]) as object)).toEqual(['a', 'b', 'c']);
    });

    it('refuses a target that does not exist (422)', () => {
      expect(failure({ foo: 1 }, [{ op: 'replace', path: '/bar', value: 2 }])).toMatchObject({ kind: 'unprocessable', expression: '[0].path' });
      expect(failure({ a: [1] }, [{ op: 'replace', path: '/a/1', value: 2 }]).kind).toBe('unprocessable');
    });
  });

  describe('move', () => {
    it('moves a member and an array item', () => {
      const doc = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
      expect(apply(doc, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }])).toEqual({ foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } });
      expect(apply({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }])).toEqual({ foo: ['all', 'cows', 'eat', 'grass'] });
    });

    it('refuses moving a value into its own child (400) and a missing source (422)', () => {
      expect(failure({ a: { b: {} } }, [{ op: 'move', from: '/a', path: '/a/b/c' }])).toMatchObject({ kind: 'invalid', expression: '[0].from' });
      expect(failure({ a: 1 }, [{ op: 'move', from: '/x', path: '/y' }])).toMatchObject({ kind: 'unprocessable', expression: '[0].from' });
    });
  });

  describe('copy', () => {
    it('copies a value (a deep copy, not a shared reference)', () => {
      const out = apply({ a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }, { op: 'add', path: '/c/b/-', value: 2 }]);
      expect(out).toEqual({ a: { b: [1] }, c: { b: [1, 2] } });
    });

    it('refuses a missing source (422)', () => {
      expect(failure({ a: 1 }, [{ op: 'copy', from: '/b', path: '/c' }])).toMatchObject({ kind: 'unprocessable', expression: '[0].from' });
    });
  });

  describe('test', () => {
    it('passes on equal values, members in any order and numbers by value', () => {
      const doc = { baz: 'qux', foo: ['a', 2, 'c'], o: { x: 1, y: [true, null] } };
      expect(apply(doc, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2.0 }, { op: 'test', path: '/o', value: { y: [true, null], x: 1 } }])).toEqual(doc);
    });

    it('fails with 422 naming the operation when the value differs', () => {
      const f = failure({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/baz', value: 'bar' }]);
      expect(f).toMatchObject({ kind: 'unprocessable', expression: '[1].path' });
      expect(f.text).toMatch(/^JSON Patch operation 1 \(test\): test failed/);
    });

    it('fails with 422 when the path does not exist, even for a null value', () => {
      expect(failure({ a: 1 }, [{ op: 'test', path: '/b', value: null }]).kind).toBe('unprocessable');
    });

    it('distinguishes a string from a number, and an array from an object', () => {
      expect(jsonEqual('1', 1)).toBe(false);
      expect(jsonEqual([], {})).toBe(false);
      expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    });
  });

  it('unescapes ~1 to "/" and ~0 to "~" in pointers (RFC 6901)', () => {
    const doc = { 'a/b': 1, 'm~n': 2, '~1': 3 };
    expect(apply(doc, [{ op: 'replace', path: '/a~1b', value: 10 }, { op: 'replace', path: '/m~0n', value: 20 }, { op: 'replace', path: '/~01', value: 30 }])).toEqual({ 'a/b': 10, 'm~n': 20, '~1': 30 });
  });

  it('applies all operations or none: the input document is never changed', () => {
    const doc = { a: [1, 2] };
    failure(doc, [{ op: 'add', path: '/a/-', value: 3 }, { op: 'remove', path: '/missing' }]);
    expect(doc).toEqual({ a: [1, 2] });
  });

  it('replaces the whole document at path ""', () => {
    expect(apply({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({ b: 2 });
  });

  describe('malformed documents (400 naming the operation)', () => {
    it.each([
      ['a non-array document', { op: 'add' }, undefined],
      ['an operation that is not an object', ['add'], '[0]'],
      ['an unknown op', [{ op: 'merge', path: '/a' }], '[0].op'],
      ['a missing path', [{ op: 'remove' }], '[0].path'],
      ['a path that is not a pointer', [{ op: 'remove', path: 'a' }], '[0].path'],
      ['a bad escape', [{ op: 'remove', path: '/a~2' }], '[0].path'],
      ['a missing value', [{ op: 'test', path: '/a' }, { op: 'add', path: '/b' }], '[0].value'],
      ['a missing from', [{ op: 'copy', path: '/a' }], '[0].from'],
    ])('refuses %s', (_name, body, expression) => {
      const err = outcomeErrorOf(() => parseJsonPatch(body));
      expect(err.kind).toBe('invalid');
      expect(err.outcome.issue?.[0].expression?.[0]).toBe(expression);
    });

    it('names the index of the bad operation in the message', () => {
      const err = outcomeErrorOf(() => parseJsonPatch([{ op: 'add', path: '/a', value: 1 }, { op: 'add', path: '/b', value: 2 }, { op: 'add', path: '/c', value: 3 }, { op: 'move', path: '/d' }]));
      expect(err.outcome.issue?.[0].details?.text).toMatch(/^JSON Patch operation 3 /);
      expect(err.outcome.issue?.[0].expression).toEqual(['[3].from']);
    });
  });
});
