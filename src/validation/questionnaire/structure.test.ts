/** Structure of a response against its Questionnaire: linkIds, nesting, order, repetition (rules 1, 2 for groups/display, 4). */
import type { Questionnaire } from '@medplum/fhirtypes';
import { questionnaire, response, summary, texts, validate } from './testkit';

const q: Questionnaire = questionnaire([
  { linkId: 'intro', type: 'display', text: 'Welcome' },
  { linkId: 'name', type: 'string' },
  {
    linkId: 'history',
    type: 'group',
    item: [
      { linkId: 'smoker', type: 'boolean', item: [{ linkId: 'packs', type: 'integer' }] },
      { linkId: 'allergies', type: 'string', repeats: true },
    ],
  },
  { linkId: 'visit', type: 'group', repeats: true, item: [{ linkId: 'visit-date', type: 'date' }] },
]);

describe('questionnaire response structure', () => {
  it('accepts items that follow the Questionnaire, including text that differs from it', () => {
    const qr = response([
      { linkId: 'name', text: 'Your name, please', answer: [{ valueString: 'Ada' }] },
      {
        linkId: 'history',
        item: [
          { linkId: 'smoker', answer: [{ valueBoolean: true, item: [{ linkId: 'packs', answer: [{ valueInteger: 2 }] }] }] },
          { linkId: 'allergies', answer: [{ valueString: 'nuts' }, { valueString: 'dust' }] },
        ],
      },
      { linkId: 'visit', item: [{ linkId: 'visit-date', answer: [{ valueDate: '2024-01-02' }] }] },
      { linkId: 'visit', item: [{ linkId: 'visit-date', answer: [{ valueDate: '2024-02-03' }] }] },
    ]);
    expect(validate(q, qr)).toEqual([]);
  });

  it('rejects a linkId that is not in the Questionnaire and names what was expected', () => {
    const issues = validate(q, response([{ linkId: 'nickname', answer: [{ valueString: 'A' }] }]));
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0]']);
    expect(texts(issues)[0]).toBe(
      'QuestionnaireResponse.item[0]: item "nickname" is not in the Questionnaire (expected here: "intro", "name", "history", "visit")',
    );
  });

  it('rejects an item placed outside its parent', () => {
    const issues = validate(q, response([{ linkId: 'allergies', answer: [{ valueString: 'nuts' }] }]));
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0]']);
    expect(texts(issues)[0]).toContain('the Questionnaire defines it under item "history"');
  });

  it('rejects a question child placed under item instead of under the answer', () => {
    const qr = response([
      { linkId: 'history', item: [{ linkId: 'smoker', answer: [{ valueBoolean: true }], item: [{ linkId: 'packs', answer: [{ valueInteger: 1 }] }] }] },
    ]);
    expect(summary(validate(q, qr))).toEqual(['error structure QuestionnaireResponse.item[0].item[0]']);
  });

  it('rejects an answer-nested item that belongs to another question', () => {
    const qr = response([
      {
        linkId: 'history',
        item: [{ linkId: 'allergies', answer: [{ valueString: 'x', item: [{ linkId: 'packs', answer: [{ valueInteger: 1 }] }] }] }],
      },
    ]);
    const issues = validate(q, qr);
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0].item[0].answer[0].item[0]']);
    expect(texts(issues)[0]).toContain('no items are expected here');
  });

  it('rejects items out of Questionnaire order', () => {
    const qr = response([
      { linkId: 'history', item: [{ linkId: 'allergies', answer: [{ valueString: 'x' }] }, { linkId: 'smoker', answer: [{ valueBoolean: false }] }] },
      { linkId: 'name', answer: [{ valueString: 'Ada' }] },
    ]);
    const issues = validate(q, qr);
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0].item[1]', 'error structure QuestionnaireResponse.item[1]']);
    expect(texts(issues)[1]).toContain('item "name" comes after item "history"');
  });

  it('rejects a non-repeating group that occurs twice', () => {
    const qr = response([
      { linkId: 'history', item: [{ linkId: 'smoker', answer: [{ valueBoolean: false }] }] },
      { linkId: 'history', item: [{ linkId: 'smoker', answer: [{ valueBoolean: true }] }] },
    ]);
    expect(summary(validate(q, qr))).toEqual(['error structure QuestionnaireResponse.item[1]']);
  });

  it('rejects a question that occurs twice among its siblings, even a repeating one', () => {
    const qr = response([
      {
        linkId: 'history',
        item: [
          { linkId: 'allergies', answer: [{ valueString: 'nuts' }] },
          { linkId: 'allergies', answer: [{ valueString: 'dust' }] },
        ],
      },
    ]);
    const issues = validate(q, qr);
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0].item[1]']);
    expect(texts(issues)[0]).toContain('its repeated answers belong in the answer list of one item');
  });

  it('rejects several answers to a non-repeating question', () => {
    const issues = validate(q, response([{ linkId: 'name', answer: [{ valueString: 'Ada' }, { valueString: 'Bea' }] }]));
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0]']);
    expect(texts(issues)[0]).toContain('question "name" does not repeat but has 2 answers');
  });

  it('accepts several answers to a repeating question', () => {
    const qr = response([{ linkId: 'history', item: [{ linkId: 'allergies', answer: [{ valueString: 'a' }, { valueString: 'b' }, { valueString: 'c' }] }] }]);
    expect(validate(q, qr)).toEqual([]);
  });

  it('rejects answers on a display item and on a group', () => {
    const qr = response([
      { linkId: 'intro', answer: [{ valueString: 'hello' }] },
      { linkId: 'history', answer: [{ valueBoolean: true }], item: [{ linkId: 'smoker', answer: [{ valueBoolean: true }] }] },
    ]);
    const issues = validate(q, qr);
    expect(summary(issues)).toEqual(['error structure QuestionnaireResponse.item[0]', 'error structure QuestionnaireResponse.item[1]']);
    expect(texts(issues)[0]).toContain('display item "intro" cannot have answers');
    expect(texts(issues)[1]).toContain('group "history" cannot have answers');
  });

  it('accepts a display item without answers', () => {
    expect(validate(q, response([{ linkId: 'intro', text: 'Hi' }]))).toEqual([]);
  });

  it('rejects an item without a linkId and an item that is not an object', () => {
    const qr = response([{ text: 'no link' } as never, 'oops' as never]);
    expect(summary(validate(q, qr)).sort()).toEqual(['error structure QuestionnaireResponse.item[0]', 'error structure QuestionnaireResponse.item[1]']);
  });
});
