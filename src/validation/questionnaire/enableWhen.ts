/**
 * Whether a Questionnaire item is enabled in a response (R4 questionnaire.html,
 * Questionnaire.item.enableWhen and enableBehavior; operators from the questionnaire-enable-operator
 * code system). An item is enabled when its enclosing item is enabled (a disabled item disables all
 * its descendants) and its enableWhen conditions hold.
 *
 * Choices where R4 leaves room:
 * - Answers for `enableWhen.question` come from the nearest occurrences of that linkId (tree.ts:
 *   below the item's own sibling list first, then each enclosing list up to the whole response), so
 *   a condition inside a repeating group reads the same repetition. Only enabled occurrences count
 *   ("proceed as though the item is not valued" when it is disabled).
 * - `=`, `>`, `<`, `>=`, `<=` hold when at least one answer satisfies them; `!=` holds when no answer
 *   equals the value (the wording R4B/R5 settled on), so it also holds when there is no answer.
 * - Several conditions without enableBehavior are joined by "or", as the R4 comment on enableWhen says.
 * - A cycle of conditions is cut by assuming the item on the cycle is enabled.
 */
import type { QuestionnaireItem, QuestionnaireItemEnableWhen } from '@medplum/fhirtypes';
import { compareValues, valuesEqual } from './compare';
import type { TypedValue } from './model';
import { asArray, isRecord, show, valuesOf } from './model';
import type { Node, Scope } from './tree';
import { nearestWithLinkId } from './tree';

/** Evaluates one condition against the answers found for its question. */
export function conditionHolds(condition: QuestionnaireItemEnableWhen, answers: TypedValue[]): boolean {
  if (!isRecord(condition)) return false;
  if (condition.operator === 'exists') {
    return typeof condition.answerBoolean === 'boolean' && answers.length > 0 === condition.answerBoolean;
  }
  const expected = valuesOf(condition, 'answer')[0];
  if (!expected) return false;
  const ordered = (test: (order: number) => boolean) =>
    answers.some((a) => {
      const order = compareValues(a, expected);
      return order !== undefined && test(order);
    });
  switch (condition.operator) {
    case '=':
      return answers.some((a) => valuesEqual(expected, a));
    case '!=':
      return !answers.some((a) => valuesEqual(expected, a));
    case '>':
      return ordered((o) => o > 0);
    case '<':
      return ordered((o) => o < 0);
    case '>=':
      return ordered((o) => o >= 0);
    case '<=':
      return ordered((o) => o <= 0);
    default:
      return false;
  }
}

/** Combines the results of an item's conditions; no condition means enabled. */
export function conditionsHold(item: QuestionnaireItem, answersFor: (linkId: string) => TypedValue[]): boolean {
  const conditions = asArray(item.enableWhen);
  if (conditions.length === 0) return true;
  const holds = (c: QuestionnaireItemEnableWhen) => conditionHolds(c, answersFor(isRecord(c) ? c.question : ''));
  return item.enableBehavior === 'all' ? conditions.every(holds) : conditions.some(holds);
}

/** The conditions of an item for a message, e.g. `"smoker" = true and "packs" exists`. */
export function describeConditions(item: QuestionnaireItem): string {
  const parts = asArray(item.enableWhen)
    .filter(isRecord)
    .map((c) => {
      const value = valuesOf(c, 'answer')[0];
      if (c.operator === 'exists') return `"${c.question}" ${c.answerBoolean === false ? 'has no answer' : 'has an answer'}`;
      return `"${c.question}" ${c.operator} ${value ? show(value) : '(no value)'}`;
    });
  return parts.join(item.enableBehavior === 'all' ? ' and ' : ' or ');
}

/** Enabled-ness of response items (cached) and of absent items in a given place. */
export class Enablement {
  private readonly cache = new Map<Node, boolean>();
  private readonly inProgress = new Set<Node>();

  /** Whether a response item is enabled; an item without a definition counts as enabled. */
  isEnabled(node: Node): boolean {
    const cached = this.cache.get(node);
    if (cached !== undefined) return cached;
    if (this.inProgress.has(node)) return true;
    this.inProgress.add(node);
    const result = node.def ? this.isEnabledIn(node.def, node.scope) : true;
    this.inProgress.delete(node);
    this.cache.set(node, result);
    return result;
  }

  /** Whether an item would be enabled in a scope (used for items the response leaves out). */
  isEnabledIn(def: QuestionnaireItem, scope: Scope): boolean {
    if (scope.owner && !this.isEnabled(scope.owner)) return false;
    return conditionsHold(def, (linkId) => this.answersFor(linkId, scope));
  }

  /** Values of the enabled nearest occurrences of a question. */
  private answersFor(linkId: string, scope: Scope): TypedValue[] {
    const out: TypedValue[] = [];
    for (const node of nearestWithLinkId(scope, linkId)) {
      if (!this.isEnabled(node)) continue;
      for (const answer of asArray(node.item.answer)) {
        const value = valuesOf(answer, 'value')[0];
        if (value) out.push(value);
      }
    }
    return out;
  }
}
