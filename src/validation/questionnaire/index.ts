/**
 * Validates a QuestionnaireResponse against the Questionnaire it answers, the rules of R4
 * questionnaireresponse.html ("Questionnaire Response Structure") and questionnaire.html (item
 * types, enableWhen, required, repeats, maxLength, answerOption, answerValueSet) plus the SDC / R4
 * core item extensions regex, minLength, minValue, maxValue, maxSize and mimeType. Pure: the caller
 * resolves the Questionnaire and supplies terminology; returns issues whose expressions are FHIRPaths
 * rooted at QuestionnaireResponse (choice types as `.value.ofType(<type>)`); never throws.
 *
 * Layout: tree.ts pairs response items with definitions; structure.ts walks them; answers.ts,
 * answerTypes.ts, constraints.ts, regex.ts, options.ts and attachment.ts check answers;
 * enableWhen.ts and required.ts handle conditional and required items; compare.ts orders values;
 * terminology.ts offers an AnswerTerminology over the local R4 value sets (../valuesets.ts).
 */
import type { Questionnaire, QuestionnaireItem, QuestionnaireResponse } from '@medplum/fhirtypes';
import type { Issue } from '../../fhir/outcome';
import { issue } from '../../fhir/outcome';
import { Enablement } from './enableWhen';
import type { AnswerTerminology, Context } from './model';
import { asArray, isRecord, report } from './model';
import { checkScope } from './structure';
import { buildTree } from './tree';

export type { AnswerTerminology } from './model';
export { localAnswerTerminology } from './terminology';

/** Every issue of a response against its (already resolved) Questionnaire. */
export function validateQuestionnaireResponse(qr: QuestionnaireResponse, questionnaire: Questionnaire, terminology: AnswerTerminology): Issue[] {
  if (!isRecord(qr) || !isRecord(questionnaire)) {
    return [issue('error', 'structure', 'QuestionnaireResponse: the response and its Questionnaire must be JSON objects')];
  }
  const issues: Issue[] = [];
  try {
    const root = buildTree(qr, asArray(questionnaire.item));
    const ctx: Context = {
      issues,
      terminology,
      requiredSeverity: qr.status === 'completed' || qr.status === 'amended' ? 'error' : 'information',
      definitions: indexDefinitions(asArray(questionnaire.item), undefined, new Map()),
      enablement: new Enablement(),
    };
    checkCanonical(qr, questionnaire, ctx);
    checkScope(root, ctx);
  } catch (err) {
    // e.g. a stack overflow on absurdly deep nesting: report rather than throw
    const message = err instanceof Error ? err.message : String(err);
    issues.push(issue('error', 'exception', `QuestionnaireResponse: validation against the Questionnaire failed: ${message}`));
  }
  return issues;
}

/** QuestionnaireResponse.questionnaire (ignoring |version) must be the Questionnaire's url. */
function checkCanonical(qr: QuestionnaireResponse, questionnaire: Questionnaire, ctx: Context): void {
  if (typeof qr.questionnaire !== 'string' || typeof questionnaire.url !== 'string') return;
  if (qr.questionnaire.startsWith('#')) return; // a contained Questionnaire, resolved by the caller
  const canonical = qr.questionnaire.split('|')[0];
  if (canonical !== questionnaire.url) {
    const path = 'QuestionnaireResponse.questionnaire';
    report(ctx, 'error', 'invalid', path, `the response is for ${canonical}, but it was validated against the Questionnaire ${questionnaire.url}`);
  }
}

function indexDefinitions(items: QuestionnaireItem[], parent: string | undefined, out: Context['definitions']): Context['definitions'] {
  for (const def of items) {
    if (!isRecord(def) || typeof def.linkId !== 'string') continue;
    if (!out.has(def.linkId)) out.set(def.linkId, { def, parent });
    indexDefinitions(asArray(def.item), def.linkId, out);
  }
  return out;
}
