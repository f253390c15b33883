/**
 * Required items (R4 questionnaire.html, Questionnaire.item.required): an enabled required question
 * needs an answer with a value, and an enabled required group needs at least one answered item
 * below it. required only has meaning while the item is enabled (enableWhen), and for items under an
 * absent optional group it does not apply. A response whose status is completed or amended gets
 * errors; any other status (in-progress, stopped, entered-in-error) gets information issues only,
 * since only a completed or amended response claims to hold every answer (R4 QuestionnaireResponse.status).
 */
import type { Context } from './model';
import { asArray, report } from './model';
import type { Scope } from './tree';
import { hasAnswerBelow, isAnswered } from './tree';

/** Reports the required items of a scope that are enabled but unanswered. */
export function checkRequired(scope: Scope, ctx: Context): void {
  const severity = ctx.requiredSeverity;
  for (const def of scope.defs) {
    if (def.required !== true || def.type === 'display') continue;
    const kind = def.type === 'group' ? 'group' : 'item';
    const nodes = scope.items.filter((n) => n.def === def);
    if (nodes.length === 0) {
      if (ctx.enablement.isEnabledIn(def, scope)) {
        report(ctx, severity, 'required', scope.path, `${kind} "${def.linkId}" is required but missing${suffix(ctx)}`);
      }
      continue;
    }
    for (const node of nodes) {
      if (!ctx.enablement.isEnabled(node)) continue;
      if (def.type === 'group') {
        if (!hasAnswerBelow(node)) {
          report(ctx, severity, 'required', node.path, `group "${def.linkId}" is required but none of its items has an answer${suffix(ctx)}`);
        }
      } else if (!asArray(node.item.answer).some(isAnswered)) {
        report(ctx, severity, 'required', node.path, `item "${def.linkId}" is required but has no answer${suffix(ctx)}`);
      }
    }
  }
}

function suffix(ctx: Context): string {
  return ctx.requiredSeverity === 'error' ? '' : ' (allowed while the response is not completed)';
}
