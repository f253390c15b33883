/**
 * Helpers for the questionnaire validation tests: build small Questionnaires and responses, run
 * the validator and summarise issues as `severity code expression` strings for compact assertions.
 */
import type { Questionnaire, QuestionnaireItem, QuestionnaireResponse, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import type { Issue } from '../../fhir/outcome';
import type { AnswerTerminology } from './index';
import { validateQuestionnaireResponse } from './index';

export const Q_URL = 'https://relay.example/fhir/Questionnaire/test';

export function questionnaire(item: QuestionnaireItem[]): Questionnaire {
  return { resourceType: 'Questionnaire', status: 'active', url: Q_URL, item };
}

export function response(item: QuestionnaireResponseItem[], status: QuestionnaireResponse['status'] = 'completed'): QuestionnaireResponse {
  return { resourceType: 'QuestionnaireResponse', status, questionnaire: Q_URL, item };
}

/** A terminology that knows nothing (every value set is unchecked). */
export const noTerminology: AnswerTerminology = { contains: () => undefined };

export function validate(q: Questionnaire, qr: QuestionnaireResponse, terminology: AnswerTerminology = noTerminology): Issue[] {
  return validateQuestionnaireResponse(qr, q, terminology);
}

/** Issues as `severity code expression`, e.g. `error required QuestionnaireResponse.item[0]`. */
export function summary(issues: Issue[]): string[] {
  return issues.map((i) => `${i.severity} ${i.code} ${i.expression?.join(',') ?? ''}`.trim());
}

/** Only the errors (and fatal issues). */
export function errors(issues: Issue[]): Issue[] {
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** The message texts. */
export function texts(issues: Issue[]): string[] {
  return issues.map((i) => i.details?.text ?? '');
}
