import type { Doc, Sort } from '../port';
import { compareValues } from './compare';
import { sortDocs, sortKey } from './sort';

const ids = (docs: Doc[]) => docs.map((d) => d._id);

describe('MongoDB sort order', () => {
  it('orders types as MongoDB does: empty array, null/missing, numbers, strings, objects, arrays, booleans', () => {
    const ordered = [undefined, null, -1, 0, 2.5, 10, '', 'A', 'a', 'b', {}, { a: 1 }, { b: 0 }, [1], [1, 2], [2], false, true];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect([ordered[i], ordered[j], Math.sign(compareValues(ordered[i], ordered[j]))]).toEqual([ordered[i], ordered[j], Math.sign(i - j)]);
      }
    }
  });

  it('sorts an array by its smallest element ascending and its largest descending, through dotted paths', () => {
    const docs: Doc[] = [
      { _id: 'a', name: [{ family: 'Zed' }, { family: 'Adams' }] },
      { _id: 'b', name: [{ family: 'Brown' }] },
      { _id: 'c', name: [{ given: 'no family' }] },
      { _id: 'd' },
      { _id: 'e', name: [] },
    ];
    expect(sortKey(docs[0], ['name', 'family'], 1)).toBe('Adams');
    expect(sortKey(docs[0], ['name', 'family'], -1)).toBe('Zed');
    expect(sortKey(docs[2], ['name', 'family'], 1)).toBeNull();
    expect(ids(sortDocs(docs, { 'name.family': 1 }))).toEqual(['c', 'd', 'e', 'a', 'b']);
    expect(ids(sortDocs(docs, { 'name.family': -1 }))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ids(sortDocs([{ _id: 'x', v: [] }, { _id: 'y', v: null }, { _id: 'z', v: 1 }], { v: 1 }))).toEqual(['x', 'y', 'z']);
  });

  it('is stable: ties keep their input (natural) order, in both directions', () => {
    const docs: Doc[] = Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, k: i % 3 }));
    const asc = sortDocs(docs, { k: 1 });
    const desc = sortDocs(docs, { k: -1 });
    for (const k of [0, 1, 2]) {
      const natural = ids(docs.filter((d) => d.k === k));
      expect(ids(asc.filter((d) => d.k === k))).toEqual(natural);
      expect(ids(desc.filter((d) => d.k === k))).toEqual(natural);
    }
    expect(docs.map((d) => d._id)).toEqual(Array.from({ length: 50 }, (_, i) => `d${i}`));
  });
});

describe('bounded sort for one page', () => {
  it('returns the same first items as a full sort, ties in natural order', () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const docs: Doc[] = Array.from({ length: 2000 }, (_, i) => ({ _id: `d${i}`, k: Math.floor(rand() * 50), s: rand() < 0.3 ? [Math.floor(rand() * 9), 'x'] : 'y' }));
    for (const sort of [{ k: 1 }, { k: -1 }, { s: 1, k: -1 }, { s: -1 }] as Sort[]) {
      for (const keep of [1, 7, 100]) {
        expect(ids(sortDocs(docs, sort, keep))).toEqual(ids(sortDocs(docs, sort)).slice(0, keep));
      }
    }
  });
});
