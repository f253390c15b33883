/** enableWhen evaluation and disabled items (rule 3). */
import type { QuestionnaireItemEnableWhen } from '@medplum/fhirtypes';
import { conditionHolds } from './enableWhen';
import type { TypedValue } from './model';
import { questionnaire, response, summary, texts, validate } from './testkit';

const when = (operator: QuestionnaireItemEnableWhen['operator'], answer: Partial<QuestionnaireItemEnableWhen>): QuestionnaireItemEnableWhen => ({
  question: 'x',
  operator,
  ...answer,
});
const coding = (system: string | undefined, code: string): TypedValue => ({ type: 'Coding', value: { system, code } });

describe('enableWhen conditions', () => {
  it('evaluates exists against whether the question has answers', () => {
    expect(conditionHolds(when('exists', { answerBoolean: true }), [{ type: 'string', value: 'a' }])).toBe(true);
    expect(conditionHolds(when('exists', { answerBoolean: true }), [])).toBe(false);
    expect(conditionHolds(when('exists', { answerBoolean: false }), [])).toBe(true);
  });

  it('compares booleans, strings and numbers with = and !=', () => {
    expect(conditionHolds(when('=', { answerBoolean: true }), [{ type: 'boolean', value: true }])).toBe(true);
    expect(conditionHolds(when('=', { answerBoolean: true }), [{ type: 'boolean', value: false }])).toBe(false);
    expect(conditionHolds(when('=', { answerString: 'a' }), [{ type: 'string', value: 'a' }])).toBe(true);
    expect(conditionHolds(when('=', { answerDecimal: 2 }), [{ type: 'integer', value: 2 }])).toBe(true);
    expect(conditionHolds(when('!=', { answerString: 'a' }), [{ type: 'string', value: 'b' }])).toBe(true);
    expect(conditionHolds(when('!=', { answerString: 'a' }), [{ type: 'string', value: 'b' }, { type: 'string', value: 'a' }])).toBe(false);
  });

  it('treats != as "no answer equals", so it holds when there is no answer', () => {
    expect(conditionHolds(when('!=', { answerBoolean: true }), [])).toBe(true);
  });

  it('orders integers, decimals, dates, dateTimes and times', () => {
    expect(conditionHolds(when('>', { answerInteger: 17 }), [{ type: 'integer', value: 18 }])).toBe(true);
    expect(conditionHolds(when('>', { answerInteger: 17 }), [{ type: 'integer', value: 17 }])).toBe(false);
    expect(conditionHolds(when('>=', { answerInteger: 17 }), [{ type: 'integer', value: 17 }])).toBe(true);
    expect(conditionHolds(when('<', { answerDecimal: 37.5 }), [{ type: 'decimal', value: 36.6 }])).toBe(true);
    expect(conditionHolds(when('<=', { answerDate: '2024-01-01' }), [{ type: 'date', value: '2023-12-31' }])).toBe(true);
    expect(conditionHolds(when('>', { answerDate: '2024-01-01' }), [{ type: 'dateTime', value: '2024-01-02T00:00:00Z' }])).toBe(true);
    expect(conditionHolds(when('<', { answerDateTime: '2024-01-01T12:00:00Z' }), [{ type: 'dateTime', value: '2024-01-01T13:00:00+02:00' }])).toBe(true);
    expect(conditionHolds(when('>', { answerTime: '08:00:00' }), [{ type: 'time', value: '09:15:00' }])).toBe(true);
  });

  it('does not order values of different precision that agree on their common part', () => {
    expect(conditionHolds(when('>', { answerDate: '2024' }), [{ type: 'date', value: '2024-06' }])).toBe(false);
    expect(conditionHolds(when('<', { answerDate: '2024' }), [{ type: 'date', value: '2024-06' }])).toBe(false);
  });

  it('is false for ordering operators without answers or with incomparable answers', () => {
    expect(conditionHolds(when('>', { answerInteger: 1 }), [])).toBe(false);
    expect(conditionHolds(when('>', { answerInteger: 1 }), [{ type: 'string', value: '5' }])).toBe(false);
  });

  it('compares Codings by system and code', () => {
    const expected = { answerCoding: { system: 'http://s', code: 'a' } };
    expect(conditionHolds(when('=', expected), [coding('http://s', 'a')])).toBe(true);
    expect(conditionHolds(when('=', expected), [coding('http://other', 'a')])).toBe(false);
    expect(conditionHolds(when('=', expected), [coding('http://s', 'b')])).toBe(false);
    expect(conditionHolds(when('=', { answerCoding: { code: 'a' } }), [coding('http://s', 'a')])).toBe(true);
    expect(conditionHolds(when('!=', expected), [coding('http://s', 'b')])).toBe(true);
  });

  it('compares Quantities in the same unit and References by reference', () => {
    const kg = (value: number): TypedValue => ({ type: 'Quantity', value: { value, system: 'http://unitsofmeasure.org', code: 'kg' } });
    const answerQuantity = { value: 100, system: 'http://unitsofmeasure.org', code: 'kg' };
    expect(conditionHolds(when('>', { answerQuantity }), [kg(120)])).toBe(true);
    expect(conditionHolds(when('=', { answerQuantity }), [kg(100)])).toBe(true);
    expect(conditionHolds(when('>', { answerQuantity }), [{ type: 'Quantity', value: { value: 300, unit: 'lb' } }])).toBe(false);
    expect(conditionHolds(when('=', { answerReference: { reference: 'Patient/1' } }), [{ type: 'Reference', value: { reference: 'Patient/1' } }])).toBe(true);
  });
});

const yes = [{ valueBoolean: true }];
const no = [{ valueBoolean: false }];

describe('disabled items', () => {
  const q = questionnaire([
    { linkId: 'smoker', type: 'boolean' },
    { linkId: 'packs', type: 'integer', required: true, enableWhen: [{ question: 'smoker', operator: '=', answerBoolean: true }] },
  ]);

  it('rejects an answer to a disabled item and says which condition failed', () => {
    const issues = validate(q, response([{ linkId: 'smoker', answer: no }, { linkId: 'packs', answer: [{ valueInteger: 3 }] }]));
    expect(summary(issues)).toEqual(['error invalid QuestionnaireResponse.item[1]']);
    expect(texts(issues)[0]).toBe('QuestionnaireResponse.item[1]: item "packs" is disabled (enableWhen: "smoker" = true) but has answers');
  });

  it('accepts an answer to an enabled item', () => {
    expect(validate(q, response([{ linkId: 'smoker', answer: yes }, { linkId: 'packs', answer: [{ valueInteger: 3 }] }]))).toEqual([]);
  });

  it('does not require a disabled required item', () => {
    expect(validate(q, response([{ linkId: 'smoker', answer: no }]))).toEqual([]);
  });

  it('requires an enabled required item', () => {
    expect(summary(validate(q, response([{ linkId: 'smoker', answer: yes }])))).toEqual(['error required QuestionnaireResponse']);
  });

  it('disables the descendants of a disabled group', () => {
    const nested = questionnaire([
      { linkId: 'pregnant', type: 'boolean' },
      {
        linkId: 'pregnancy',
        type: 'group',
        enableWhen: [{ question: 'pregnant', operator: '=', answerBoolean: true }],
        item: [{ linkId: 'weeks', type: 'integer', required: true }],
      },
    ]);
    const qr = response([{ linkId: 'pregnant', answer: no }, { linkId: 'pregnancy', item: [{ linkId: 'weeks', answer: [{ valueInteger: 12 }] }] }]);
    expect(summary(validate(nested, qr))).toEqual(['error invalid QuestionnaireResponse.item[1]']);
  });

  it('combines conditions with enableBehavior all and any', () => {
    const items = (enableBehavior: 'all' | 'any') =>
      questionnaire([
        { linkId: 'a', type: 'boolean' },
        { linkId: 'b', type: 'boolean' },
        {
          linkId: 'c',
          type: 'string',
          enableBehavior,
          enableWhen: [
            { question: 'a', operator: '=', answerBoolean: true },
            { question: 'b', operator: '=', answerBoolean: true },
          ],
        },
      ]);
    const qr = response([{ linkId: 'a', answer: yes }, { linkId: 'b', answer: no }, { linkId: 'c', answer: [{ valueString: 'x' }] }]);
    expect(validate(items('any'), qr)).toEqual([]);
    expect(summary(validate(items('all'), qr))).toEqual(['error invalid QuestionnaireResponse.item[2]']);
  });

  it('treats a disabled question as unanswered in a chain of conditions', () => {
    const chain = questionnaire([
      { linkId: 'a', type: 'boolean' },
      { linkId: 'b', type: 'boolean', enableWhen: [{ question: 'a', operator: '=', answerBoolean: true }] },
      { linkId: 'c', type: 'string', enableWhen: [{ question: 'b', operator: 'exists', answerBoolean: true }] },
    ]);
    const qr = response([{ linkId: 'a', answer: no }, { linkId: 'b', answer: yes }, { linkId: 'c', answer: [{ valueString: 'x' }] }]);
    // b is disabled (and reported); c depends on b, which counts as unanswered, so c is disabled too
    expect(summary(validate(chain, qr))).toEqual(['error invalid QuestionnaireResponse.item[1]', 'error invalid QuestionnaireResponse.item[2]']);
  });

  it('reads the answer in the same repetition of a repeating group', () => {
    const repeating = questionnaire([
      {
        linkId: 'med',
        type: 'group',
        repeats: true,
        item: [
          { linkId: 'med-stopped', type: 'boolean' },
          { linkId: 'med-stop-date', type: 'date', required: true, enableWhen: [{ question: 'med-stopped', operator: '=', answerBoolean: true }] },
        ],
      },
    ]);
    const qr = response([
      { linkId: 'med', item: [{ linkId: 'med-stopped', answer: yes }, { linkId: 'med-stop-date', answer: [{ valueDate: '2024-03-01' }] }] },
      { linkId: 'med', item: [{ linkId: 'med-stopped', answer: no }, { linkId: 'med-stop-date', answer: [{ valueDate: '2024-03-02' }] }] },
      { linkId: 'med', item: [{ linkId: 'med-stopped', answer: yes }] },
    ]);
    expect(summary(validate(repeating, qr))).toEqual(['error invalid QuestionnaireResponse.item[1].item[1]', 'error required QuestionnaireResponse.item[2]']);
  });

  it('finds a question answered anywhere in the response, including beneath an answer', () => {
    const far = questionnaire([
      { linkId: 'g1', type: 'group', item: [{ linkId: 'pain', type: 'boolean', item: [{ linkId: 'score', type: 'integer' }] }] },
      { linkId: 'g2', type: 'group', item: [{ linkId: 'relief', type: 'string', enableWhen: [{ question: 'score', operator: '>=', answerInteger: 7 }] }] },
    ]);
    const qr = (score: number) =>
      response([
        { linkId: 'g1', item: [{ linkId: 'pain', answer: [{ valueBoolean: true, item: [{ linkId: 'score', answer: [{ valueInteger: score }] }] }] }] },
        { linkId: 'g2', item: [{ linkId: 'relief', answer: [{ valueString: 'ibuprofen' }] }] },
      ]);
    expect(validate(far, qr(8))).toEqual([]);
    expect(summary(validate(far, qr(3)))).toEqual(['error invalid QuestionnaireResponse.item[1].item[0]']);
  });

  it('does not loop on conditions that refer to each other', () => {
    const cyclic = questionnaire([
      { linkId: 'a', type: 'boolean', enableWhen: [{ question: 'b', operator: 'exists', answerBoolean: true }] },
      { linkId: 'b', type: 'boolean', enableWhen: [{ question: 'a', operator: 'exists', answerBoolean: true }] },
    ]);
    expect(validate(cyclic, response([{ linkId: 'a', answer: yes }, { linkId: 'b', answer: yes }]))).toEqual([]);
  });
});
