/**
 * Checks one answer of a question item: it has exactly one value[x], of a type the item type
 * accepts and of the right JSON shape (R4 questionnaireresponse.html, item.answer.value[x];
 * questionnaire.html, item.type), then the item's value constraints, options or value set, and
 * attachment limits.
 */
import type { Attachment, QuestionnaireItem } from '@medplum/fhirtypes';
import { allowedValueTypes, shapeProblem } from './answerTypes';
import { checkAttachment } from './attachment';
import { checkConstraints } from './constraints';
import type { Context } from './model';
import { list, report, valuesOf } from './model';
import { checkOptions } from './options';

/** Checks an answer at `path` (e.g. `QuestionnaireResponse.item[0].answer[1]`). */
export function checkAnswer(def: QuestionnaireItem, answer: unknown, path: string, ctx: Context): void {
  const item = `item "${def.linkId}"`;
  const values = valuesOf(answer, 'value');
  if (values.length === 0) {
    report(ctx, 'error', 'structure', path, `answer to ${item} has no value[x]`);
    return;
  }
  if (values.length > 1) {
    const found = values.map((v) => `value.ofType(${v.type})`);
    report(ctx, 'error', 'structure', path, `answer to ${item} has ${values.length} values (${list(found)}); an answer holds one value[x]`);
    return;
  }
  const v = values[0];
  const valuePath = `${path}.value.ofType(${v.type})`;
  const allowed = allowedValueTypes(def);
  if (allowed && !allowed.includes(v.type)) {
    const expected = allowed.map((t) => `value.ofType(${t})`);
    report(ctx, 'error', 'structure', valuePath, `${item} is of type ${def.type} and takes ${list(expected)}, but the answer is value.ofType(${v.type})`);
    return;
  }
  const problem = shapeProblem(v);
  if (problem) {
    report(ctx, 'error', 'value', valuePath, `answer to ${item} must be ${problem}; found ${preview(v.value)}`);
    return;
  }
  checkConstraints(def, v, valuePath, ctx);
  checkOptions(def, v, valuePath, ctx);
  if (v.type === 'Attachment') checkAttachment(def, v.value as Attachment, valuePath, ctx);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
