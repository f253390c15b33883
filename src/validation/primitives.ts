/**
 * Primitive values whose R4 rules (datatypes.html) differ from @medplum/core's checks. For these
 * types the R4 rule is applied here and structural.ts drops Medplum's verdict on the same value:
 * - date, dateTime, instant, time: the R4 regexes, and dates that exist on the calendar ("SHALL be
 *   valid dates": no 30 February). Medplum accepts a dateTime with a time but no time zone, with
 *   hours only, or a zone on a bare date, and rejects more than 9 fraction digits.
 * - code: R4's regex is an XML Schema regex where \s is only space, tab, CR and LF; Medplum's uses
 *   JavaScript's \s, which also counts U+00A0 and other Unicode spaces.
 * - base64Binary: whitespace is allowed (R4 regex) and there is no 1 MB limit (R4 only limits string).
 * - xhtml: no 1 MB limit either, but the Narrative.div content rules (narrative.ts).
 * - string, markdown: whitespace-only content is a warning (R4: SHOULD), not an error.
 */
import type { Issue } from '../fhir/outcome';
import { issue } from '../fhir/outcome';
import { narrativeProblems } from './narrative';
import type { PropertyInfo } from './walk';

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const MONTH = '(0[1-9]|1[0-2])';
const DAY = '(0[1-9]|[1-2][0-9]|3[0-1])';
const ZONE = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';

/** The R4 regexes of the types whose syntax is checked here rather than by Medplum. */
const R4_FORMATS: Record<string, RegExp> = {
  date: new RegExp(`^${YEAR}(-${MONTH}(-${DAY})?)?$`),
  dateTime: new RegExp(`^${YEAR}(-${MONTH}(-${DAY}(T${TIME}${ZONE})?)?)?$`),
  instant: new RegExp(`^${YEAR}-${MONTH}-${DAY}T${TIME}${ZONE}$`),
  time: new RegExp(`^${TIME}$`),
  code: /^[^ \t\r\n]+([ \t\r\n][^ \t\r\n]+)*$/,
};
const HINTS: Record<string, string> = {
  dateTime: ' (a time needs hours, minutes, seconds and a time zone)',
  instant: ' (needs date, time with seconds, and a time zone)',
};
const NOT_BASE64 = /[^A-Za-z0-9+/]/;
const WHITESPACE = /\s/;

/** Checks one primitive value; returns true when Medplum's own verdict on this value must be ignored. */
export function checkPrimitive(value: unknown, info: PropertyInfo, path: string, issues: Issue[]): boolean {
  if (typeof value !== 'string' || value === '') return false; // Medplum reports empty strings
  const format = R4_FORMATS[info.type];
  if (format) {
    if (!format.test(value)) issues.push(issue('error', 'value', `${path}: Invalid ${info.type} format ("${shorten(value)}")${HINTS[info.type] ?? ''}`, path));
    else if (!existsOnCalendar(value)) issues.push(issue('error', 'value', `${path}: ${value.slice(0, 10)} is not a date on the calendar (${info.type} "${shorten(value)}")`, path));
    return true;
  }
  switch (info.type) {
    case 'string':
    case 'markdown':
      if (value.trim() !== '') return false;
      issues.push(issue('warning', 'value', `${path}: a ${info.type} should contain non-whitespace content`, path));
      return true;
    case 'base64Binary':
      if (!isBase64(value)) issues.push(issue('error', 'value', `${path}: Invalid base64Binary format ("${shorten(value)}")`, path));
      return true;
    case 'xhtml':
      for (const problem of narrativeProblems(value)) issues.push(issue('error', 'value', `${path}: ${problem}`, path));
      return true;
    default:
      return false;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** False for a value starting with a full date whose day its month does not have (29 February only in leap years). */
function existsOnCalendar(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return true;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

/** Linear-time base64 syntax check, whitespace allowed as in the R4 regex (a backtracking regex over megabytes can overflow). */
function isBase64(value: string): boolean {
  const compact = WHITESPACE.test(value) ? value.replace(/\s+/g, '') : value;
  return compact.length > 0 && compact.length % 4 === 0 && !NOT_BASE64.test(compact.replace(/={1,2}$/, ''));
}

function shorten(value: string): string {
  return value.length > 80 ? value.slice(0, 77) + '...' : value;
}
