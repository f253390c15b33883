/**
 * Walks the response tree and checks its structure against the Questionnaire (R4
 * questionnaireresponse.html, "Questionnaire Response Structure"; questionnaire.html, item):
 * every linkId is defined and sits where the Questionnaire puts it; siblings follow the
 * Questionnaire's order; only a repeating group occurs more than once among its siblings (a
 * repeating question is one item with several answers); groups hold items and no answers; display
 * items hold neither; questions hold answers, with the items nested beneath a question under each
 * answer; a non-repeating question has at most one answer; disabled items (enableWhen) hold no
 * answers. Answers go to answers.ts, required items to required.ts.
 */
import { checkAnswer } from './answers';
import { describeConditions } from './enableWhen';
import type { Context } from './model';
import { asArray, list, report } from './model';
import { checkRequired } from './required';
import type { Node, Scope } from './tree';
import { hasAnswerBelow } from './tree';

/** Checks one list of sibling items, everything below it, and its required items. */
export function checkScope(scope: Scope, ctx: Context): void {
  for (const path of scope.malformed) report(ctx, 'error', 'structure', path, 'an item must be a JSON object');
  let lastIndex = -1;
  let lastLinkId = '';
  const seen = new Set<string>();
  for (const node of scope.items) {
    const linkId = node.item.linkId;
    if (typeof linkId !== 'string' || linkId === '') {
      report(ctx, 'error', 'structure', node.path, 'item has no linkId');
      continue;
    }
    if (!node.def) {
      reportMisplaced(scope, node, linkId, ctx);
      continue;
    }
    const index = scope.defs.indexOf(node.def);
    if (index < lastIndex) {
      report(ctx, 'error', 'structure', node.path, `item "${linkId}" comes after item "${lastLinkId}", but the Questionnaire orders it before`);
    } else {
      lastIndex = index;
      lastLinkId = linkId;
    }
    if (seen.has(linkId)) reportRepeat(node, linkId, ctx);
    seen.add(linkId);
    checkNode(node, linkId, ctx);
  }
  checkRequired(scope, ctx);
}

function reportMisplaced(scope: Scope, node: Node, linkId: string, ctx: Context): void {
  const expected = scope.defs.map((d) => `"${d.linkId}"`);
  const here = expected.length > 0 ? `expected here: ${list(expected)}` : 'no items are expected here';
  const known = ctx.definitions.get(linkId);
  if (!known) {
    report(ctx, 'error', 'structure', node.path, `item "${linkId}" is not in the Questionnaire (${here})`);
  } else {
    const where = known.parent === undefined ? 'at the top level' : `under item "${known.parent}"`;
    report(ctx, 'error', 'structure', node.path, `item "${linkId}" does not belong here; the Questionnaire defines it ${where} (${here})`);
  }
}

function reportRepeat(node: Node, linkId: string, ctx: Context): void {
  if (node.def?.type === 'group') {
    if (node.def.repeats !== true) report(ctx, 'error', 'structure', node.path, `group "${linkId}" occurs more than once here, but it does not repeat`);
  } else if (node.def?.type === 'display') {
    report(ctx, 'error', 'structure', node.path, `display item "${linkId}" occurs more than once here`);
  } else {
    const how = node.def?.repeats === true ? 'its repeated answers belong in the answer list of one item' : 'it does not repeat';
    report(ctx, 'error', 'structure', node.path, `question "${linkId}" occurs more than once here; ${how}`);
  }
}

function checkNode(node: Node, linkId: string, ctx: Context): void {
  const def = node.def;
  if (!def) return;
  const answers = asArray(node.item.answer);
  if (!ctx.enablement.isEnabled(node)) {
    if (hasAnswerBelow(node)) {
      const conditions = describeConditions(def);
      report(ctx, 'error', 'invalid', node.path, `item "${linkId}" is disabled (enableWhen: ${conditions || 'not met'}) but has answers`);
    }
    return;
  }
  if (def.type === 'display') {
    if (node.item.answer !== undefined) report(ctx, 'error', 'structure', node.path, `display item "${linkId}" cannot have answers; found ${answers.length}`);
    if (node.item.item !== undefined) report(ctx, 'error', 'structure', node.path, `display item "${linkId}" cannot have nested items`);
    return;
  }
  if (def.type === 'group') {
    if (node.item.answer !== undefined) {
      report(ctx, 'error', 'structure', node.path, `group "${linkId}" cannot have answers (found ${answers.length}); its questions go in item`);
    }
    if (node.children) checkScope(node.children, ctx);
    return;
  }
  if (node.item.item !== undefined) {
    report(ctx, 'error', 'structure', node.path, `question "${linkId}" has items nested under item; items beneath a question go under each answer (answer.item)`);
  }
  if (answers.length > 1 && def.repeats !== true) {
    report(ctx, 'error', 'structure', node.path, `question "${linkId}" does not repeat but has ${answers.length} answers; at most 1 is allowed`);
  }
  answers.forEach((answer, k) => {
    checkAnswer(def, answer, `${node.path}.answer[${k}]`, ctx);
    const nested = node.answerScopes[k];
    if (nested) checkScope(nested, ctx);
  });
}
