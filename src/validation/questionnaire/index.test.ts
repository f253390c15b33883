/** The entry point: a realistic intake, the questionnaire canonical (rule 9), and robustness. */
import type { Questionnaire, QuestionnaireResponse } from '@medplum/fhirtypes';
import { MAX_SIZE_URL, MIME_TYPE_URL } from './attachment';
import { EXT } from './constraints';
import type { AnswerTerminology } from './index';
import { validateQuestionnaireResponse } from './index';
import { Q_URL, errors, noTerminology, questionnaire, response, summary, texts, validate } from './testkit';

const SPECIALTY_VS = 'https://relay.example/fhir/ValueSet/consult-specialty';
const SCT = 'http://snomed.info/sct';
const terminology: AnswerTerminology = { contains: (url, c) => (url === SPECIALTY_VS ? ['dermatology', 'general'].includes(c.code ?? '') : undefined) };

const intake: Questionnaire = questionnaire([
  { linkId: 'intro', type: 'display', text: 'Please answer for the patient.' },
  {
    linkId: 'referral',
    type: 'group',
    required: true,
    item: [
      { linkId: 'specialty', type: 'choice', required: true, answerValueSet: SPECIALTY_VS },
      { linkId: 'urgent', type: 'boolean', required: true },
      { linkId: 'urgent-reason', type: 'text', required: true, maxLength: 500, enableWhen: [{ question: 'urgent', operator: '=', answerBoolean: true }] },
    ],
  },
  {
    linkId: 'lesion',
    type: 'group',
    repeats: true,
    item: [
      {
        linkId: 'site',
        type: 'open-choice',
        required: true,
        answerOption: [{ valueCoding: { system: SCT, code: '368208006', display: 'Left arm' } }, { valueCoding: { system: SCT, code: '368209003', display: 'Right arm' } }],
      },
      { linkId: 'duration-weeks', type: 'integer', extension: [{ url: EXT.minValue, valueInteger: 0 }, { url: EXT.maxValue, valueInteger: 520 }] },
      {
        linkId: 'changed',
        type: 'boolean',
        item: [{ linkId: 'change-kind', type: 'string', repeats: true, required: true, enableWhen: [{ question: 'changed', operator: '=', answerBoolean: true }] }],
      },
      {
        linkId: 'bleeding',
        type: 'boolean',
        enableWhen: [
          { question: 'changed', operator: '=', answerBoolean: true },
          { question: 'duration-weeks', operator: '>', answerInteger: 4 },
        ],
        enableBehavior: 'any',
      },
      { linkId: 'bleeding-since', type: 'date', enableWhen: [{ question: 'bleeding', operator: '=', answerBoolean: true }] },
      {
        linkId: 'photo',
        type: 'attachment',
        repeats: true,
        extension: [
          { url: MAX_SIZE_URL, valueDecimal: 10_000_000 },
          { url: MIME_TYPE_URL, valueCode: 'image/jpeg' },
        ],
      },
    ],
  },
  {
    linkId: 'history',
    type: 'group',
    item: [
      { linkId: 'weight', type: 'quantity' },
      { linkId: 'postcode', type: 'string', extension: [{ url: EXT.regex, valueString: '[0-9]{4,5}' }] },
      { linkId: 'seen-at', type: 'dateTime' },
      { linkId: 'gp', type: 'reference' },
      { linkId: 'leaflet', type: 'url' },
      { linkId: 'call-time', type: 'time' },
      { linkId: 'temp', type: 'decimal' },
    ],
  },
]);

const fullResponse: QuestionnaireResponse = response([
  {
    linkId: 'referral',
    item: [
      { linkId: 'specialty', answer: [{ valueCoding: { system: 'https://relay.example/fhir/CodeSystem/consult-specialty', code: 'dermatology' } }] },
      { linkId: 'urgent', answer: [{ valueBoolean: true }] },
      { linkId: 'urgent-reason', answer: [{ valueString: 'Rapidly growing lesion' }] },
    ],
  },
  {
    linkId: 'lesion',
    item: [
      { linkId: 'site', answer: [{ valueCoding: { system: SCT, code: '368208006' } }] },
      { linkId: 'duration-weeks', answer: [{ valueInteger: 10 }] },
      { linkId: 'changed', answer: [{ valueBoolean: true, item: [{ linkId: 'change-kind', answer: [{ valueString: 'size' }, { valueString: 'colour' }] }] }] },
      { linkId: 'bleeding', answer: [{ valueBoolean: true }] },
      { linkId: 'bleeding-since', answer: [{ valueDate: '2024-04-01' }] },
      { linkId: 'photo', answer: [{ valueAttachment: { contentType: 'image/jpeg', url: 'Binary/p1', size: 2_000_000 } }, { valueAttachment: { contentType: 'image/jpeg', url: 'Binary/p2' } }] },
    ],
  },
  {
    linkId: 'lesion',
    item: [
      { linkId: 'site', answer: [{ valueString: 'behind the left ear' }] },
      { linkId: 'duration-weeks', answer: [{ valueInteger: 2 }] },
      { linkId: 'changed', answer: [{ valueBoolean: false }] },
    ],
  },
  {
    linkId: 'history',
    item: [
      { linkId: 'weight', answer: [{ valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } }] },
      { linkId: 'postcode', answer: [{ valueString: '8001' }] },
      { linkId: 'seen-at', answer: [{ valueDateTime: '2024-05-02T09:30:00+02:00' }] },
      { linkId: 'gp', answer: [{ valueReference: { reference: 'Practitioner/gp-1' } }] },
      { linkId: 'leaflet', answer: [{ valueUri: 'https://relay.example/leaflets/derm.pdf' }] },
      { linkId: 'call-time', answer: [{ valueTime: '14:00:00' }] },
      { linkId: 'temp', answer: [{ valueDecimal: 36.8 }] },
    ],
  },
]);

describe('validateQuestionnaireResponse', () => {
  it('accepts a full valid response to a realistic questionnaire without any issue', () => {
    expect(validate(intake, fullResponse, terminology)).toEqual([]);
  });

  it('reports each problem of a faulty response to the realistic questionnaire', () => {
    const qr = structuredClone(fullResponse);
    const [referral, lesion1, lesion2] = qr.item ?? [];
    referral.item?.splice(2, 1); // urgent-reason missing though urgent = true
    lesion1.item?.[1].answer?.splice(0, 1, { valueInteger: 600 }); // above maxValue
    lesion2.item?.push({ linkId: 'bleeding', answer: [{ valueBoolean: true }] }); // disabled in this repetition
    expect(summary(validate(intake, qr, terminology))).toEqual([
      'error required QuestionnaireResponse.item[0]',
      'error value QuestionnaireResponse.item[1].item[1].answer[0].value.ofType(integer)',
      'error invalid QuestionnaireResponse.item[2].item[3]',
    ]);
  });

  it('accepts a response whose questionnaire canonical has a version', () => {
    expect(validate(intake, { ...fullResponse, questionnaire: `${Q_URL}|1.2.0` }, terminology)).toEqual([]);
  });

  it('rejects a response that names another questionnaire', () => {
    const issues = validate(intake, { ...fullResponse, questionnaire: 'https://relay.example/fhir/Questionnaire/other' }, terminology);
    expect(summary(issues)).toEqual(['error invalid QuestionnaireResponse.questionnaire']);
    expect(texts(issues)[0]).toContain(`but it was validated against the Questionnaire ${Q_URL}`);
  });

  it('never throws, even on malformed input', () => {
    const cases: [unknown, unknown][] = [
      [null, intake],
      [fullResponse, 'nope'],
      [{ resourceType: 'QuestionnaireResponse', status: 'completed', item: 'x' }, intake],
      [{ resourceType: 'QuestionnaireResponse', status: 'completed', item: [{ linkId: 'referral', item: {}, answer: 3 }] }, intake],
      [fullResponse, { resourceType: 'Questionnaire', item: [null, { linkId: 'a', type: 'string', enableWhen: [null], extension: 'x' }] }],
    ];
    for (const [qr, q] of cases) {
      expect(() => validateQuestionnaireResponse(qr as QuestionnaireResponse, q as Questionnaire, noTerminology)).not.toThrow();
    }
    expect(errors(validateQuestionnaireResponse(null as never, intake, noTerminology))).toHaveLength(1);
  });

  it('reports nesting too deep for the stack as an exception issue instead of throwing', () => {
    const deepQ = questionnaire([{ linkId: 'g', type: 'group', item: [] }]);
    let item: QuestionnaireResponse['item'] = [];
    for (let i = 0; i < 20000; i++) item = [{ linkId: 'g', item }];
    expect(summary(validate(deepQ, { ...response([]), item }))).toEqual(['error exception']);
  });
});
