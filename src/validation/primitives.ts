/**
 * Primitive-value rules where @medplum/core is looser or stricter than R4 (datatypes.html):
 * - dateTime: Medplum accepts a time without seconds or without a time zone and a zone on a
 *   bare date; R4 requires "hh:mm:ss" plus a zone whenever a time is given.
 * - base64Binary: Medplum rejects whitespace (the R4 regex allows it) and any value over 1 MB (R4
 *   only limits `string`); xhtml: Medplum also applies the 1 MB limit. These values are checked
 *   here instead, and structural.ts drops Medplum's verdicts on them.
 * - code: Medplum's regex uses JavaScript's \s, which also counts U+00A0 and other Unicode spaces;
 *   R4's regex ([^\s]+(\s[^\s]+)*) is an XML Schema regex where \s is only space, tab, CR and LF.
 * - xhtml: Narrative.div content rules (narrative.ts).
 */
import { validationRegexes } from '@medplum/core';
import type { Issue } from '../fhir/outcome';
import { issue } from '../fhir/outcome';
import { narrativeProblems } from './narrative';
import type { PropertyInfo } from './walk';

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const ZONE = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';
const R4_DATE_TIME = new RegExp(`^${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T${TIME}${ZONE})?)?)?$`);
const R4_CODE = /^[^ \t\r\n]+([ \t\r\n][^ \t\r\n]+)*$/;
const ONE_MB = 1024 * 1024;
const NOT_BASE64 = /[^A-Za-z0-9+/]/;
const WHITESPACE = /\s/;

/** Checks one primitive value; returns true when Medplum's own format/size verdict on it must be ignored. */
export function checkPrimitive(value: unknown, info: PropertyInfo, path: string, issues: Issue[]): boolean {
  if (typeof value !== 'string') return false;
  switch (info.type) {
    case 'dateTime':
      if (validationRegexes.dateTime.test(value) && !R4_DATE_TIME.test(value)) {
        issues.push(issue('error', 'value', `${path}: "${value}" is not a valid dateTime (a time needs hours, minutes, seconds and a time zone)`, path));
      }
      return false;
    case 'code':
      return R4_CODE.test(value);
    case 'base64Binary':
      if (!isBase64(value)) issues.push(issue('error', 'value', `${path}: invalid base64Binary content`, path));
      return true;
    case 'xhtml':
      for (const problem of narrativeProblems(value)) issues.push(issue('error', 'value', `${path}: ${problem}`, path));
      return value.length > ONE_MB;
    default:
      return false;
  }
}

/** Linear-time base64 syntax check, whitespace allowed as in the R4 regex (a backtracking regex over megabytes can overflow). */
function isBase64(value: string): boolean {
  const compact = WHITESPACE.test(value) ? value.replace(/\s+/g, '') : value;
  return compact.length % 4 === 0 && !NOT_BASE64.test(compact.replace(/={1,2}$/, ''));
}
