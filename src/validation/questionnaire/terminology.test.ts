/** The local AnswerTerminology over Relay's R4 value sets. */
import { localAnswerTerminology } from './terminology';

describe('localAnswerTerminology', () => {
  const GENDER = 'http://hl7.org/fhir/ValueSet/administrative-gender';

  it('finds a code of a local value set, with or without its system', () => {
    expect(localAnswerTerminology.contains(GENDER, { system: 'http://hl7.org/fhir/administrative-gender', code: 'female' })).toBe(true);
    expect(localAnswerTerminology.contains(`${GENDER}|4.0.1`, { code: 'male' })).toBe(true);
  });

  it('rejects a code outside the value set, or from another system, or without a code', () => {
    expect(localAnswerTerminology.contains(GENDER, { system: 'http://hl7.org/fhir/administrative-gender', code: 'robot' })).toBe(false);
    expect(localAnswerTerminology.contains(GENDER, { system: 'http://example.org', code: 'female' })).toBe(false);
    expect(localAnswerTerminology.contains(GENDER, {})).toBe(false);
  });

  it('cannot tell for a value set it cannot expand', () => {
    expect(localAnswerTerminology.contains('https://relay.example/fhir/ValueSet/unknown', { code: 'x' })).toBeUndefined();
  });
});
