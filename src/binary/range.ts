/**
 * HTTP range requests on Binary content (RFC 9110 §14): one `bytes` range — `a-b`, `a-` or the
 * suffix `-n` — is served as 206; a range that starts beyond the content (or `-0`) is unsatisfiable
 * (416); several ranges, another unit or a malformed header are ignored (200 with everything), as
 * the RFC allows a server to do.
 */
import type { ByteRange } from '../storage/blobs';

export type RangeAnswer = { kind: 'all' } | { kind: 'part'; range: ByteRange } | { kind: 'unsatisfiable' };

/** What to answer to a Range header for content of `size` bytes. */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'all' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'all' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && last < start) return { kind: 'all' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', range: { start, end: Math.min(last, size - 1) } };
}

/**
 * Whether an If-Range precondition lets the Range apply: only an HTTP date equal to the content's
 * Last-Modified does; Relay's ETags are weak, and a weak tag never matches If-Range (RFC 9110 §13.1.5).
 */
export function ifRangeHolds(ifRange: string | undefined, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  if (ifRange.trim().startsWith('"') || ifRange.trim().startsWith('W/')) return false;
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && date === Math.floor(Date.parse(lastModified) / 1000) * 1000;
}
