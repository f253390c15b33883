import { median, minutes, nearestRank } from './percentiles';

describe('$stats percentiles', () => {
  it('median: the middle value, or the mean of the two middle values (order of input irrelevant)', () => {
    expect(median([])).toBeUndefined();
    expect(median([7])).toBe(7);
    expect(median([9, 1, 5])).toBe(5);
    // [1, 5, 9, 10] → (5 + 9) / 2
    expect(median([10, 1, 9, 5])).toBe(7);
  });

  it('p90 by nearest rank: rank ⌈0.9·n⌉ of the ascending values', () => {
    expect(nearestRank([], 90)).toBeUndefined();
    expect(nearestRank([4], 90)).toBe(4);
    // n = 10: rank ⌈9⌉ = 9 (not the maximum)
    expect(nearestRank([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 90)).toBe(9);
    // n = 11: rank ⌈9.9⌉ = 10
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10);
    // n = 20: rank 18; n = 21: rank ⌈18.9⌉ = 19
    expect(nearestRank(Array.from({ length: 20 }, (_, i) => i + 1), 90)).toBe(18);
    expect(nearestRank(Array.from({ length: 21 }, (_, i) => i + 1), 90)).toBe(19);
    // n = 3: rank ⌈2.7⌉ = 3; n = 6: ⌈5.4⌉ = 6
    expect(nearestRank([3, 1, 2], 90)).toBe(3);
    expect(nearestRank([6, 5, 4, 3, 2, 1], 90)).toBe(6);
    // p50 by nearest rank is the lower middle value, unlike median()
    expect(nearestRank([1, 5, 9, 10], 50)).toBe(5);
    expect(() => nearestRank([1], 0)).toThrow(RangeError);
    expect(() => nearestRank([1], 90.5)).toThrow(RangeError);
  });

  it('reports minutes with one decimal place, rounding half up', () => {
    expect(minutes(0)).toBe(0);
    expect(minutes(60_000)).toBe(1);
    expect(minutes(1_230_000)).toBe(20.5); // 20 min 30 s
    expect(minutes(1_215_000)).toBe(20.3); // 20.25 min → 20.3
    expect(minutes(1_214_999)).toBe(20.2);
    expect(minutes(25_220_000)).toBe(420.3); // 420 min 20 s = 420.333…
    expect(minutes(23_410_000)).toBe(390.2); // 390.1666…
  });
});
