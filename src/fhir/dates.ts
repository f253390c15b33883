/** FHIR date, dateTime and instant values as half-open [start, end) ranges in epoch milliseconds. */
import { invalid } from './outcome';

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export interface DateRange {
  startMs: number;
  endMs: number;
}

/**
 * The range a FHIR date/dateTime/instant covers, by its precision: "2024" is the whole year,
 * "2024-03-05T10:00Z" one minute. A time without a zone is read as UTC (documented in the README).
 * Returns undefined when the text is not a valid FHIR date.
 */
export function dateRange(text: string): DateRange | undefined {
  // A '+' in an unencoded query string arrives as a space: "2024-01-01T10:00:00 01:00".
  const m = DATE_TIME.exec(text.trim().replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo ? Number(mo) : 1;
  const day = d ? Number(d) : 1;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  const hour = h ? Number(h) : 0;
  const minute = mi ? Number(mi) : 0;
  const second = s ? Number(s) : 0;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const offsetMs = zoneOffsetMs(zone);
  if (offsetMs === undefined) return undefined;
  const startMs = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs;
  let endMs: number;
  if (frac) endMs = startMs + 10 ** Math.max(0, 3 - frac.length);
  else if (s) endMs = startMs + 1000;
  else if (mi) endMs = startMs + 60_000;
  else if (d) endMs = Date.UTC(year, month - 1, day + 1) - offsetMs;
  else if (mo) endMs = Date.UTC(year, month, 1) - offsetMs;
  else endMs = Date.UTC(year + 1, 0, 1) - offsetMs;
  return { startMs, endMs: Math.max(endMs, startMs + 1) };
}

/** Like dateRange, but a 400 OperationOutcome naming the parameter when the value is not a date. */
export function requireDateRange(text: string, parameter: string): DateRange {
  const range = dateRange(text);
  if (!range) throw invalid(`${parameter} value "${text}" is not a valid FHIR date, dateTime or instant`, parameter);
  return range;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function zoneOffsetMs(zone: string | undefined): number | undefined {
  if (!zone || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}
