/** Required items and the response status (rules 3 and 8). */
import { errors, questionnaire, response, summary, texts, validate } from './testkit';

const q = questionnaire([
  { linkId: 'name', type: 'string', required: true },
  { linkId: 'note', type: 'string' },
  {
    linkId: 'contact',
    type: 'group',
    required: true,
    item: [
      { linkId: 'phone', type: 'string' },
      { linkId: 'email', type: 'string' },
    ],
  },
  { linkId: 'extra', type: 'group', item: [{ linkId: 'extra-detail', type: 'string', required: true }] },
  { linkId: 'info', type: 'display', required: true },
]);

const complete = [
  { linkId: 'name', answer: [{ valueString: 'Ada' }] },
  { linkId: 'contact', item: [{ linkId: 'email', answer: [{ valueString: 'ada@example.org' }] }] },
];

describe('required items', () => {
  it('accepts a completed response with every required item answered', () => {
    expect(validate(q, response(complete))).toEqual([]);
  });

  it('rejects a completed response missing a required question', () => {
    const issues = validate(q, response(complete.slice(1)));
    expect(summary(issues)).toEqual(['error required QuestionnaireResponse']);
    expect(texts(issues)[0]).toBe('QuestionnaireResponse: item "name" is required but missing');
  });

  it('rejects a required question that is present without an answer', () => {
    const issues = validate(q, response([{ linkId: 'name' }, complete[1]]));
    expect(summary(issues)).toEqual(['error required QuestionnaireResponse.item[0]']);
    expect(texts(issues)[0]).toContain('item "name" is required but has no answer');
  });

  it('rejects a required group with no answered item', () => {
    const issues = validate(q, response([complete[0], { linkId: 'contact', item: [{ linkId: 'phone' }] }]));
    expect(summary(issues)).toEqual(['error required QuestionnaireResponse.item[1]']);
    expect(texts(issues)[0]).toContain('group "contact" is required but none of its items has an answer');
  });

  it('rejects a missing required group', () => {
    expect(summary(validate(q, response([complete[0]])))).toEqual(['error required QuestionnaireResponse']);
  });

  it('does not require the children of an optional group that is absent', () => {
    expect(validate(q, response(complete))).toEqual([]);
  });

  it('requires the required children of an optional group that is present', () => {
    const qr = response([...complete, { linkId: 'extra', item: [] }]);
    expect(summary(validate(q, qr))).toEqual(['error required QuestionnaireResponse.item[2]']);
  });

  it('requires the required children beneath each answer of a question', () => {
    const nested = questionnaire([
      { linkId: 'med', type: 'string', repeats: true, item: [{ linkId: 'dose', type: 'string', required: true }] },
    ]);
    const qr = response([
      {
        linkId: 'med',
        answer: [{ valueString: 'aspirin', item: [{ linkId: 'dose', answer: [{ valueString: '100 mg' }] }] }, { valueString: 'ibuprofen' }],
      },
    ]);
    expect(summary(validate(nested, qr))).toEqual(['error required QuestionnaireResponse.item[0].answer[1]']);
  });
});

describe('response status', () => {
  it('reports missing required answers of an in-progress response as information only', () => {
    const issues = validate(q, response([], 'in-progress'));
    expect(errors(issues)).toEqual([]);
    expect(summary(issues)).toEqual(['information required QuestionnaireResponse', 'information required QuestionnaireResponse']);
    expect(texts(issues)[0]).toContain('allowed while the response is not completed');
  });

  it('treats an amended response like a completed one', () => {
    expect(summary(validate(q, response(complete.slice(1), 'amended')))).toEqual(['error required QuestionnaireResponse']);
  });

  it('still applies every other rule to an in-progress response', () => {
    const issues = validate(q, response([{ linkId: 'name', answer: [{ valueInteger: 1 }] }], 'in-progress'));
    expect(summary(errors(issues))).toEqual(['error structure QuestionnaireResponse.item[0].answer[0].value.ofType(integer)']);
  });
});
