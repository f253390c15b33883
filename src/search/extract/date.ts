/**
 * date parameters (R4 search.html, date): every value is the half-open range [lo, hi) in epoch ms
 * that its precision covers ("2013-01" → all of January 2013). Times without a zone and dates are
 * taken as UTC (R4 leaves this to the server; Relay documents UTC). Fractional seconds give ms
 * precision at most. Period: start..end, a missing end or start is open (OPEN_HIGH/OPEN_LOW).
 * Timing: only the outer limits count (R4: "the specified scheduling details are ignored"), i.e.
 * from the earliest event or bounds start to the latest event or bounds end.
 */
import type { Period, Timing } from '@medplum/fhirtypes';
import { OPEN_HIGH, OPEN_LOW, type DateValue } from '../index-values';
import type { Element } from './elements';

const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The date index values of one evaluated element. */
export function dateValues(el: Element): DateValue[] {
  switch (el.type) {
    case 'date':
    case 'dateTime':
    case 'instant': {
      const range = typeof el.value === 'string' ? dateRange(el.value) : undefined;
      return range ? [range] : [];
    }
    case 'Period': {
      const range = periodRange(el.value as Period);
      return range ? [range] : [];
    }
    case 'Timing': {
      const range = timingRange(el.value as Timing);
      return range ? [range] : [];
    }
    default:
      return [];
  }
}

/** The range a FHIR date, dateTime or instant covers; undefined when the text is not one. */
export function dateRange(text: string): DateValue | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  if (mo === undefined) return { lo: utc(year, 0, 1), hi: utc(year + 1, 0, 1) };
  const month = Number(mo) - 1;
  if (month > 11) return undefined;
  if (d === undefined) return { lo: utc(year, month, 1), hi: utc(year, month + 1, 1) };
  const day = Number(d);
  if (day < 1 || day > daysIn(year, month)) return undefined;
  if (h === undefined) return { lo: utc(year, month, day), hi: utc(year, month, day + 1) };
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const width = s === undefined ? 60_000 : frac === undefined ? 1000 : 10 ** Math.max(0, 3 - frac.length);
  const lo = utc(year, month, day, hour, minute, second, ms) - offsetMs(zone);
  return { lo, hi: lo + width };
}

/** Period start..end with open ends; undefined when it has neither. */
export function periodRange(period: Period): DateValue | undefined {
  const start = typeof period.start === 'string' ? dateRange(period.start) : undefined;
  const end = typeof period.end === 'string' ? dateRange(period.end) : undefined;
  if (!start && !end) return undefined;
  return { lo: start ? start.lo : OPEN_LOW, hi: end ? end.hi : OPEN_HIGH };
}

function timingRange(timing: Timing): DateValue | undefined {
  const ranges: DateValue[] = [];
  for (const event of Array.isArray(timing.event) ? timing.event : []) {
    const r = typeof event === 'string' ? dateRange(event) : undefined;
    if (r) ranges.push(r);
  }
  const boundsPeriod = timing.repeat?.boundsPeriod;
  const bounds = boundsPeriod && typeof boundsPeriod === 'object' ? periodRange(boundsPeriod) : undefined;
  if (bounds) ranges.push(bounds);
  if (ranges.length === 0) return undefined;
  return { lo: Math.min(...ranges.map((r) => r.lo)), hi: Math.max(...ranges.map((r) => r.hi)) };
}

function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

function daysIn(year: number, month: number): number {
  return new Date(utc(year, month + 1, 0)).getUTCDate();
}

function offsetMs(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}
