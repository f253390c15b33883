/** Answer value types per item type (rule 2). */
import type { QuestionnaireItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import { questionnaire, response, summary, texts, validate } from './testkit';

function check(item: QuestionnaireItem, answer: QuestionnaireResponseItemAnswer) {
  return validate(questionnaire([item]), response([{ linkId: item.linkId, answer: [answer] }]));
}

const accepted: [QuestionnaireItem['type'], QuestionnaireResponseItemAnswer][] = [
  ['boolean', { valueBoolean: false }],
  ['decimal', { valueDecimal: 1.5 }],
  ['integer', { valueInteger: 3 }],
  ['date', { valueDate: '2024-05' }],
  ['dateTime', { valueDateTime: '2024-05-01T10:00:00+02:00' }],
  ['time', { valueTime: '10:30:00' }],
  ['string', { valueString: 'x' }],
  ['text', { valueString: 'line 1\nline 2' }],
  ['url', { valueUri: 'https://example.org/a' }],
  ['choice', { valueCoding: { system: 'http://example.org/cs', code: 'a' } }],
  ['open-choice', { valueCoding: { system: 'http://example.org/cs', code: 'a' } }],
  ['open-choice', { valueString: 'something else' }],
  ['attachment', { valueAttachment: { contentType: 'image/png', url: 'Binary/1' } }],
  ['reference', { valueReference: { reference: 'Patient/1' } }],
  ['quantity', { valueQuantity: { value: 70, unit: 'kg' } }],
];

const rejected: [QuestionnaireItem['type'], QuestionnaireResponseItemAnswer, string][] = [
  ['boolean', { valueString: 'yes' }, 'string'],
  ['decimal', { valueInteger: 1 }, 'integer'],
  ['integer', { valueDecimal: 1.5 }, 'decimal'],
  ['date', { valueDateTime: '2024-05-01T10:00:00Z' }, 'dateTime'],
  ['dateTime', { valueDate: '2024-05-01' }, 'date'],
  ['time', { valueString: '10:30' }, 'string'],
  ['string', { valueInteger: 5 }, 'integer'],
  ['text', { valueUri: 'https://x' }, 'uri'],
  ['url', { valueString: 'https://x' }, 'string'],
  ['choice', { valueString: 'a' }, 'string'],
  ['open-choice', { valueInteger: 1 }, 'integer'],
  ['attachment', { valueReference: { reference: 'Binary/1' } }, 'Reference'],
  ['reference', { valueString: 'Patient/1' }, 'string'],
  ['quantity', { valueDecimal: 70 }, 'decimal'],
];

describe('answer types', () => {
  it.each(accepted)('accepts the matching value type for a %s item', (type, answer) => {
    expect(check({ linkId: 'q', type }, answer)).toEqual([]);
  });

  it.each(rejected)('rejects a wrong value type for a %s item', (type, answer, found) => {
    const issues = check({ linkId: 'q', type }, answer);
    expect(summary(issues)).toEqual([`error structure QuestionnaireResponse.item[0].answer[0].value.ofType(${found})`]);
    expect(texts(issues)[0]).toContain(`item "q" is of type ${type} and takes`);
  });

  it('accepts the value types of a choice item\'s answerOptions', () => {
    const item: QuestionnaireItem = { linkId: 'q', type: 'choice', answerOption: [{ valueInteger: 1 }, { valueInteger: 2 }] };
    expect(check(item, { valueInteger: 2 })).toEqual([]);
  });

  it('rejects an answer without a value', () => {
    const issues = check({ linkId: 'q', type: 'string' }, {});
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0].answer[0]']);
  });

  it('rejects an answer with two values', () => {
    const issues = check({ linkId: 'q', type: 'string' }, { valueString: 'a', valueInteger: 1 });
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0].answer[0]']);
    expect(texts(issues)[0]).toContain('value.ofType(integer), value.ofType(string)');
  });

  it('rejects a value whose JSON does not fit its type', () => {
    expect(summary(check({ linkId: 'q', type: 'integer' }, { valueInteger: 1.5 }))).toEqual([
      'error value QuestionnaireResponse.item[0].answer[0].value.ofType(integer)',
    ]);
    expect(summary(check({ linkId: 'q', type: 'date' }, { valueDate: '01/02/2024' }))).toEqual([
      'error value QuestionnaireResponse.item[0].answer[0].value.ofType(date)',
    ]);
  });
});
