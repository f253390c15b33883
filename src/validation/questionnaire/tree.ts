/**
 * The QuestionnaireResponse as a tree of scopes (lists of sibling items) paired with the
 * Questionnaire items expected there: the top-level item list, a group's `item`, and each answer's
 * `item` under a question (R4 questionnaireresponse.html: items nested beneath a question are found
 * under `answer.item`). Each response item is matched to the definition with its linkId among the
 * expected siblings, and carries its FHIRPath. The tree also answers "which occurrences of linkId X
 * are nearest to this scope", used by enableWhen (R4 Questionnaire.item.enableWhen.question).
 */
import type { QuestionnaireItem, QuestionnaireResponse, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { asArray, isRecord, valuesOf } from './model';

/** A list of sibling response items and the Questionnaire items expected in it. */
export interface Scope {
  /** FHIRPath of the element holding the list: `QuestionnaireResponse`, `...item[0]` or `...item[0].answer[1]`. */
  path: string;
  defs: QuestionnaireItem[];
  items: Node[];
  /** Paths of entries that are not JSON objects. */
  malformed: string[];
  /** The response item whose group children or answer this list belongs to (none at the top level). */
  owner?: Node;
}

/** One response item. */
export interface Node {
  item: QuestionnaireResponseItem;
  path: string;
  /** Its definition among the expected siblings; undefined when the linkId does not belong here. */
  def?: QuestionnaireItem;
  scope: Scope;
  /** `item.item`, when present (always for a group, possibly empty). */
  children?: Scope;
  /** One scope per answer that has nested `item`s or whose question has child items (index = answer index). */
  answerScopes: (Scope | undefined)[];
}

/** Builds the tree for a response; the top-level scope expects the Questionnaire's items. */
export function buildTree(qr: QuestionnaireResponse, topItems: QuestionnaireItem[]): Scope {
  return buildScope('QuestionnaireResponse', topItems.filter(isRecord), qr.item, undefined);
}

function buildScope(path: string, defs: QuestionnaireItem[], items: unknown, owner: Node | undefined): Scope {
  const scope: Scope = { path, defs, items: [], malformed: [], owner };
  asArray(items as unknown[]).forEach((raw, i) => {
    const itemPath = `${path}.item[${i}]`;
    if (!isRecord(raw)) {
      scope.malformed.push(itemPath);
      return;
    }
    const item = raw as unknown as QuestionnaireResponseItem;
    const def = defs.find((d) => d.linkId === item.linkId);
    const node: Node = { item, path: itemPath, def, scope, answerScopes: [] };
    const childDefs = asArray(def?.item).filter(isRecord);
    // A group always gets a child scope and an answer to a question with children an answer scope,
    // even when empty, so that required children are checked and enableWhen can be evaluated there.
    if (item.item !== undefined || def?.type === 'group') node.children = buildScope(itemPath, childDefs, item.item, node);
    asArray(item.answer).forEach((answer, k) => {
      if (isRecord(answer) && (answer.item !== undefined || (childDefs.length > 0 && def?.type !== 'group'))) {
        node.answerScopes[k] = buildScope(`${itemPath}.answer[${k}]`, childDefs, answer.item, node);
      }
    });
    scope.items.push(node);
  });
  return scope;
}

/** Nodes with a linkId anywhere below a scope (its items and all their descendants), in document order. */
export function descendantsWithLinkId(scope: Scope, linkId: string, out: Node[] = []): Node[] {
  for (const node of scope.items) {
    if (node.item.linkId === linkId) out.push(node);
    if (node.children) descendantsWithLinkId(node.children, linkId, out);
    for (const s of node.answerScopes) if (s) descendantsWithLinkId(s, linkId, out);
  }
  return out;
}

/**
 * The occurrences of a linkId nearest to a scope: those below the scope itself if any, else below
 * its parent scope, and so on up to the whole response. Inside a repeating group this picks the
 * same repetition's answer; a question outside it is found from the first ancestor scope holding it.
 */
export function nearestWithLinkId(scope: Scope, linkId: string): Node[] {
  for (let s: Scope | undefined = scope; s; s = s.owner?.scope) {
    const found = descendantsWithLinkId(s, linkId);
    if (found.length > 0) return found;
  }
  return [];
}

/** True when the node or anything below it holds an answer with a value. */
export function hasAnswerBelow(node: Node): boolean {
  if (asArray(node.item.answer).some(isAnswered)) return true;
  if (node.children?.items.some(hasAnswerBelow)) return true;
  return node.answerScopes.some((s) => s?.items.some(hasAnswerBelow));
}

/** An answer with at least one `value[x]`. */
export function isAnswered(answer: unknown): boolean {
  return valuesOf(answer, 'value').length > 0;
}
