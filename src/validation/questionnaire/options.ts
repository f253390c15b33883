/**
 * Membership of choice answers (R4 questionnaire.html: item.answerOption, item.answerValueSet; item
 * types choice and open-choice). With answerOption, an answer must equal one of the options of the
 * same type (Coding by system and code, other types by value); open-choice also accepts a string
 * outside the list. With answerValueSet, a Coding answer is checked through the AnswerTerminology
 * port; a value set it cannot check gives a warning, never an error.
 */
import type { Coding, QuestionnaireItem } from '@medplum/fhirtypes';
import { valuesEqual } from './compare';
import type { Context, TypedValue } from './model';
import { asArray, list, report, show, valuesOf } from './model';

/** Checks one (well-formed, correctly typed) answer value against the item's options or value set. */
export function checkOptions(def: QuestionnaireItem, v: TypedValue, path: string, ctx: Context): void {
  if (def.type === 'open-choice' && v.type === 'string') return;
  const options = asArray(def.answerOption).flatMap((o) => valuesOf(o, 'value').slice(0, 1));
  if (options.length > 0) {
    if (options.some((o) => valuesEqual(o, v))) return;
    const expected = options.map(show);
    const code = v.type === 'Coding' ? 'code-invalid' : 'value';
    report(ctx, 'error', code, path, `answer ${show(v)} is not one of the answerOptions of item "${def.linkId}" (expected one of: ${list(expected)})`);
    return;
  }
  if (typeof def.answerValueSet === 'string' && v.type === 'Coding') {
    checkValueSet(def, def.answerValueSet, v.value as Coding, path, ctx);
  }
}

function checkValueSet(def: QuestionnaireItem, url: string, coding: Coding, path: string, ctx: Context): void {
  let contained: boolean | undefined;
  try {
    contained = ctx.terminology.contains(url, { system: coding.system, code: coding.code });
  } catch {
    contained = undefined;
  }
  const answer = show({ type: 'Coding', value: coding });
  if (contained === false) {
    report(ctx, 'error', 'code-invalid', path, `answer ${answer} is not in the value set ${url} of item "${def.linkId}" (answerValueSet)`);
  } else if (contained === undefined) {
    report(ctx, 'warning', 'not-supported', path, `answer ${answer} could not be checked against the value set ${url} of item "${def.linkId}" (not available locally)`);
  }
}
