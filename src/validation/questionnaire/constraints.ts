/**
 * Value constraints an item puts on its answers: Questionnaire.item.maxLength (R4 questionnaire.html)
 * and the minLength, regex, minValue and maxValue extensions (R4 core extensions used by SDC:
 * http://hl7.org/fhir/StructureDefinition/minLength|regex|minValue|maxValue). Lengths count Unicode
 * characters and apply to string and uri answers; minValue/maxValue apply to integer, decimal, date,
 * dateTime and time answers when the bound has a comparable type (compare.ts).
 */
import type { QuestionnaireItem } from '@medplum/fhirtypes';
import { compareValues } from './compare';
import type { Context, TypedValue } from './model';
import { extensionsOf, report, show, valuesOf } from './model';
import { matchesWhole } from './regex';

export const EXT = {
  minLength: 'http://hl7.org/fhir/StructureDefinition/minLength',
  regex: 'http://hl7.org/fhir/StructureDefinition/regex',
  minValue: 'http://hl7.org/fhir/StructureDefinition/minValue',
  maxValue: 'http://hl7.org/fhir/StructureDefinition/maxValue',
} as const;

/** Runs every value constraint of the item on one (well-formed) answer value. */
export function checkConstraints(def: QuestionnaireItem, v: TypedValue, path: string, ctx: Context): void {
  if (typeof v.value === 'string' && (v.type === 'string' || v.type === 'uri')) checkText(def, v.value, path, ctx);
  checkBound(def, v, 'minValue', path, ctx);
  checkBound(def, v, 'maxValue', path, ctx);
}

function checkText(def: QuestionnaireItem, text: string, path: string, ctx: Context): void {
  const length = [...text].length;
  const item = `item "${def.linkId}"`;
  if (typeof def.maxLength === 'number' && length > def.maxLength) {
    report(ctx, 'error', 'too-long', path, `answer is ${length} characters; ${item} allows at most ${def.maxLength} (maxLength)`);
  }
  const minLength = extensionsOf(def, EXT.minLength)[0]?.valueInteger;
  if (typeof minLength === 'number' && length < minLength) {
    report(ctx, 'error', 'value', path, `answer is ${length} characters; ${item} needs at least ${minLength} (minLength)`);
  }
  for (const ext of extensionsOf(def, EXT.regex)) {
    const pattern = ext.valueString;
    if (typeof pattern !== 'string') continue;
    const outcome = matchesWhole(pattern, text);
    if (outcome === 'no-match') {
      report(ctx, 'error', 'value', path, `answer ${show({ type: 'string', value: text })} does not match the pattern ${pattern} of ${item} (regex)`);
    } else if (outcome === 'invalid') {
      report(ctx, 'warning', 'processing', path, `the regex ${JSON.stringify(pattern)} of ${item} is not a valid regular expression; the answer was not checked against it`);
    } else if (outcome === 'timeout') {
      report(ctx, 'warning', 'too-costly', path, `the regex of ${item} took too long to evaluate; the answer was not checked against it`);
    }
  }
}

function checkBound(def: QuestionnaireItem, v: TypedValue, which: 'minValue' | 'maxValue', path: string, ctx: Context): void {
  for (const ext of extensionsOf(def, EXT[which])) {
    const bound = valuesOf(ext, 'value')[0];
    if (!bound) continue;
    const order = compareValues(v, bound);
    if (order === undefined) continue;
    if (which === 'minValue' ? order < 0 : order > 0) {
      const relation = which === 'minValue' ? 'below the minimum' : 'above the maximum';
      report(ctx, 'error', 'value', path, `answer ${show(v)} is ${relation} ${show(bound)} of item "${def.linkId}" (${which})`);
    }
  }
}
