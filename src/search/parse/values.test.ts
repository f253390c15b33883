import { OperationOutcomeError } from '../../fhir/outcome';
import { parseOfTypeValue, parseReferenceValue, parseTokenValue } from './values';

function rejects(fn: () => unknown, parameter: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OperationOutcomeError);
    expect((err as OperationOutcomeError).outcome.issue?.[0].expression).toEqual([parameter]);
    return;
  }
  throw new Error('expected a 400');
}

describe('unordered search values', () => {
  it('reads the four token forms', () => {
    expect(parseTokenValue('male', 't')).toEqual({ kind: 'token', code: 'male' });
    expect(parseTokenValue('http://loinc.org|1234-5', 't')).toEqual({ kind: 'token', system: 'http://loinc.org', code: '1234-5' });
    expect(parseTokenValue('|1234-5', 't')).toEqual({ kind: 'token', system: null, code: '1234-5' });
    expect(parseTokenValue('http://loinc.org|', 't')).toEqual({ kind: 'token', system: 'http://loinc.org' });
  });

  it('unescapes token parts after splitting them', () => {
    expect(parseTokenValue('a\\|b|c\\,d', 't')).toEqual({ kind: 'token', system: 'a|b', code: 'c,d' });
  });

  it('rejects a token with more than one unescaped "|" or with neither part', () => {
    rejects(() => parseTokenValue('a|b|c', 'code'), 'code');
    rejects(() => parseTokenValue('|', 'code'), 'code');
  });

  it('reads :of-type values and requires all three parts', () => {
    expect(parseOfTypeValue('http://terminology.hl7.org/CodeSystem/v2-0203|MR|123', 'identifier:of-type')).toEqual({
      kind: 'of-type',
      system: 'http://terminology.hl7.org/CodeSystem/v2-0203',
      code: 'MR',
      value: '123',
    });
    rejects(() => parseOfTypeValue('sys|MR', 'identifier:of-type'), 'identifier:of-type');
    rejects(() => parseOfTypeValue('sys||123', 'identifier:of-type'), 'identifier:of-type');
  });

  it('reads references as id, Type/id, versioned Type/id, absolute URL and canonical', () => {
    expect(parseReferenceValue('123', 'subject')).toEqual({ kind: 'reference', id: '123' });
    expect(parseReferenceValue('Patient/123', 'subject')).toEqual({ kind: 'reference', type: 'Patient', id: '123' });
    expect(parseReferenceValue('Patient/123/_history/4', 'subject')).toEqual({ kind: 'reference', type: 'Patient', id: '123', version: '4' });
    expect(parseReferenceValue('https://other.example/fhir/Patient/9/_history/2', 'subject')).toEqual({
      kind: 'reference',
      url: 'https://other.example/fhir/Patient/9',
      version: '2',
    });
    expect(parseReferenceValue('http://acme.org/Questionnaire/q|1.0', 'questionnaire')).toEqual({ kind: 'reference', url: 'http://acme.org/Questionnaire/q', version: '1.0' });
    expect(parseReferenceValue('urn:uuid:abc', 'subject')).toEqual({ kind: 'reference', url: 'urn:uuid:abc' });
  });

  it('applies a :Type modifier to bare ids and checks it against typed values', () => {
    expect(parseReferenceValue('123', 'subject:Patient', 'Patient')).toEqual({ kind: 'reference', type: 'Patient', id: '123' });
    rejects(() => parseReferenceValue('Group/1', 'subject:Patient', 'Patient'), 'subject:Patient');
  });

  it('rejects text that is no reference', () => {
    rejects(() => parseReferenceValue('Patient/', 'subject'), 'subject');
    rejects(() => parseReferenceValue('{"$ne":1}', 'subject'), 'subject');
  });
});
