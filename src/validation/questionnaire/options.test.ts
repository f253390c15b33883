/** answerOption and answerValueSet membership (rule 5). */
import type { QuestionnaireItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import type { AnswerTerminology } from './index';
import { questionnaire, response, summary, texts, validate } from './testkit';

const CS = 'http://example.org/colour';
const colour: QuestionnaireItem = {
  linkId: 'colour',
  type: 'choice',
  answerOption: [{ valueCoding: { system: CS, code: 'red' } }, { valueCoding: { system: CS, code: 'blue' } }],
};

function check(item: QuestionnaireItem, answer: QuestionnaireResponseItemAnswer, terminology?: AnswerTerminology) {
  return validate(questionnaire([item]), response([{ linkId: item.linkId, answer: [answer] }]), terminology);
}

describe('answerOption', () => {
  it('accepts a Coding that is one of the options', () => {
    expect(check(colour, { valueCoding: { system: CS, code: 'blue', display: 'Blue!' } })).toEqual([]);
  });

  it('rejects a Coding that is not one of the options and lists them', () => {
    const issues = check(colour, { valueCoding: { system: CS, code: 'green' } });
    expect(summary(issues)).toEqual(['error code-invalid QuestionnaireResponse.item[0].answer[0].value.ofType(Coding)']);
    expect(texts(issues)[0]).toContain(`answer ${CS}|green is not one of the answerOptions of item "colour" (expected one of: ${CS}|red, ${CS}|blue)`);
  });

  it('rejects a Coding with the right code from another system', () => {
    expect(summary(check(colour, { valueCoding: { system: 'http://other', code: 'red' } }))).toHaveLength(1);
    expect(summary(check(colour, { valueCoding: { code: 'red' } }))).toHaveLength(1);
  });

  it('compares string, integer, date and time options by value', () => {
    const options = (type: QuestionnaireItem['type'], answerOption: QuestionnaireItem['answerOption']): QuestionnaireItem => ({ linkId: 'o', type, answerOption });
    expect(check(options('choice', [{ valueString: 'a' }, { valueString: 'b' }]), { valueString: 'b' })).toEqual([]);
    expect(summary(check(options('choice', [{ valueString: 'a' }]), { valueString: 'c' }))).toEqual([
      'error value QuestionnaireResponse.item[0].answer[0].value.ofType(string)',
    ]);
    expect(check(options('integer', [{ valueInteger: 1 }, { valueInteger: 2 }]), { valueInteger: 2 })).toEqual([]);
    expect(summary(check(options('integer', [{ valueInteger: 1 }]), { valueInteger: 3 }))).toHaveLength(1);
    expect(check(options('date', [{ valueDate: '2024-01-01' }]), { valueDate: '2024-01-01' })).toEqual([]);
    expect(summary(check(options('time', [{ valueTime: '08:00:00' }]), { valueTime: '09:00:00' }))).toHaveLength(1);
  });

  it('lets open-choice take a string outside the list but not an unknown Coding', () => {
    const open: QuestionnaireItem = { ...colour, type: 'open-choice' };
    expect(check(open, { valueString: 'teal' })).toEqual([]);
    expect(summary(check(open, { valueCoding: { system: CS, code: 'teal' } }))).toEqual([
      'error code-invalid QuestionnaireResponse.item[0].answer[0].value.ofType(Coding)',
    ]);
  });
});

describe('answerValueSet', () => {
  const VS = 'https://relay.example/fhir/ValueSet/consult-specialty';
  const specialty: QuestionnaireItem = { linkId: 'specialty', type: 'choice', answerValueSet: VS };
  const known: AnswerTerminology = { contains: (url, c) => (url === VS ? c.code === 'dermatology' : undefined) };

  it('accepts a Coding the terminology finds in the value set', () => {
    expect(check(specialty, { valueCoding: { code: 'dermatology' } }, known)).toEqual([]);
  });

  it('rejects a Coding the terminology says is not in the value set', () => {
    const issues = check(specialty, { valueCoding: { system: 'http://x', code: 'cardiology' } }, known);
    expect(summary(issues)).toEqual(['error code-invalid QuestionnaireResponse.item[0].answer[0].value.ofType(Coding)']);
    expect(texts(issues)[0]).toContain(`is not in the value set ${VS} of item "specialty"`);
  });

  it('warns when the value set cannot be checked, and when the terminology throws', () => {
    const unknown = { ...specialty, answerValueSet: 'http://snomed.info/sct?fhir_vs' };
    expect(summary(check(unknown, { valueCoding: { code: '123' } }, known))).toEqual([
      'warning not-supported QuestionnaireResponse.item[0].answer[0].value.ofType(Coding)',
    ]);
    const throwing: AnswerTerminology = {
      contains: () => {
        throw new Error('boom');
      },
    };
    expect(summary(check(specialty, { valueCoding: { code: 'x' } }, throwing))).toEqual([
      'warning not-supported QuestionnaireResponse.item[0].answer[0].value.ofType(Coding)',
    ]);
  });

  it('lets open-choice take free text alongside a value set', () => {
    expect(check({ ...specialty, type: 'open-choice' }, { valueString: 'sports medicine' }, known)).toEqual([]);
  });
});
