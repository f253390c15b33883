/**
 * The summary figures of $stats (README "Consult workflow", "$stats"): median and nearest-rank
 * percentiles of durations in milliseconds, reported in minutes with one decimal place.
 */

/** The middle value of `values`, or the mean of the two middle ones when their number is even; undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  const sorted = ascending(values);
  const n = sorted.length;
  if (n === 0) return undefined;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The nearest-rank `p`th percentile (p an integer 1..100): the value at 1-based rank ⌈p·n/100⌉ of
 * the values in ascending order, i.e. the smallest value that at least p% of the values do not
 * exceed. Always one of the values; undefined when empty.
 */
export function nearestRank(values: readonly number[], p: number): number | undefined {
  if (!Number.isInteger(p) || p < 1 || p > 100) throw new RangeError(`percentile must be an integer from 1 to 100, not ${p}`);
  const sorted = ascending(values);
  if (sorted.length === 0) return undefined;
  // Integer arithmetic: p·n/100 is exact, so e.g. n = 10 gives rank 9, not 10.
  return sorted[Math.ceil((p * sorted.length) / 100) - 1];
}

/** Milliseconds as minutes rounded to one decimal place (half up: 20.25 min → 20.3). */
export function minutes(ms: number): number {
  return Math.round(ms / 6_000) / 10;
}

function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
