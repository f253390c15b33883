import { ifRangeHolds, parseRange } from './range';

describe('Range on Binary content', () => {
  it('serves one range: first bytes, a middle span, an open end and a suffix', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'part', range: { start: 0, end: 99 } });
    expect(parseRange('bytes=400-599', 1000)).toEqual({ kind: 'part', range: { start: 400, end: 599 } });
    expect(parseRange('bytes=900-', 1000)).toEqual({ kind: 'part', range: { start: 900, end: 999 } });
    expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'part', range: { start: 900, end: 999 } });
  });

  it('clips a range past the end and a suffix longer than the content', () => {
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ kind: 'part', range: { start: 990, end: 999 } });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ kind: 'part', range: { start: 0, end: 999 } });
  });

  it('finds a range starting at or beyond the end, -0, or any range of empty content unsatisfiable', () => {
    expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=5000-6000', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores several ranges, other units, reversed and malformed ranges (whole content)', () => {
    for (const header of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-3', 'bytes=-', 'bytes=a-b', undefined]) {
      expect(parseRange(header, 1000)).toEqual({ kind: 'all' });
    }
  });

  it('lets If-Range hold only for the exact Last-Modified date, never for a weak ETag', () => {
    const lastModified = '2026-01-02T03:04:05.678Z';
    expect(ifRangeHolds(undefined, lastModified)).toBe(true);
    expect(ifRangeHolds(new Date('2026-01-02T03:04:05Z').toUTCString(), lastModified)).toBe(true);
    expect(ifRangeHolds(new Date('2026-01-02T03:04:06Z').toUTCString(), lastModified)).toBe(false);
    expect(ifRangeHolds('W/"1"', lastModified)).toBe(false);
  });
});
