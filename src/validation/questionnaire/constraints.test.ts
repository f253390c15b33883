/** maxLength, minLength, regex, minValue and maxValue (rule 6). */
import type { QuestionnaireItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import { EXT } from './constraints';
import { questionnaire, response, summary, texts, validate } from './testkit';

function check(item: QuestionnaireItem, answer: QuestionnaireResponseItemAnswer) {
  return validate(questionnaire([item]), response([{ linkId: item.linkId, answer: [answer] }]));
}

const regex = (pattern: string): QuestionnaireItem['extension'] => [{ url: EXT.regex, valueString: pattern }];
const VALUE_STRING = 'QuestionnaireResponse.item[0].answer[0].value.ofType(string)';

describe('maxLength and minLength', () => {
  const item: QuestionnaireItem = { linkId: 'lesion-duration', type: 'string', maxLength: 5, extension: [{ url: EXT.minLength, valueInteger: 2 }] };

  it('accepts an answer within the lengths, counting characters rather than UTF-16 units', () => {
    expect(check(item, { valueString: 'abcde' })).toEqual([]);
    expect(check(item, { valueString: '😀😀😀😀😀' })).toEqual([]);
  });

  it('rejects an answer longer than maxLength', () => {
    const issues = check(item, { valueString: 'abcdef' });
    expect(summary(issues)).toEqual([`error too-long ${VALUE_STRING}`]);
    expect(texts(issues)[0]).toBe(`${VALUE_STRING}: answer is 6 characters; item "lesion-duration" allows at most 5 (maxLength)`);
  });

  it('rejects an answer shorter than minLength', () => {
    expect(summary(check(item, { valueString: 'a' }))).toEqual([`error value ${VALUE_STRING}`]);
  });

  it('applies maxLength to url answers', () => {
    expect(summary(check({ linkId: 'u', type: 'url', maxLength: 10 }, { valueUri: 'https://example.org' }))).toEqual([
      'error too-long QuestionnaireResponse.item[0].answer[0].value.ofType(uri)',
    ]);
  });
});

describe('regex', () => {
  it('accepts an answer matching the whole pattern', () => {
    expect(check({ linkId: 'zip', type: 'string', extension: regex('[0-9]{5}') }, { valueString: '12345' })).toEqual([]);
  });

  it('rejects an answer that matches only part of the pattern', () => {
    const issues = check({ linkId: 'zip', type: 'string', extension: regex('[0-9]{5}') }, { valueString: '123456' });
    expect(summary(issues)).toEqual([`error value ${VALUE_STRING}`]);
    expect(texts(issues)[0]).toContain('answer "123456" does not match the pattern [0-9]{5} of item "zip" (regex)');
  });

  it('keeps alternations inside the anchors', () => {
    expect(summary(check({ linkId: 'r', type: 'string', extension: regex('a|b') }, { valueString: 'ab' }))).toHaveLength(1);
  });

  it('warns instead of failing on an invalid pattern, or one that cannot escape the anchors', () => {
    expect(summary(check({ linkId: 'r', type: 'string', extension: regex('[a-') }, { valueString: 'a' }))).toEqual([`warning processing ${VALUE_STRING}`]);
    expect(summary(check({ linkId: 'r', type: 'string', extension: regex('x)|(.*') }, { valueString: 'a' }))).toEqual([`warning processing ${VALUE_STRING}`]);
  });

  it('stops a catastrophically backtracking pattern with a warning', () => {
    const started = Date.now();
    const issues = check({ linkId: 'r', type: 'string', extension: regex('(a+)+') }, { valueString: `${'a'.repeat(40)}!` });
    expect(summary(issues)).toEqual([`warning too-costly ${VALUE_STRING}`]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('minValue and maxValue', () => {
  const bounded = (type: QuestionnaireItem['type'], min: object, max: object): QuestionnaireItem => ({
    linkId: 'v',
    type,
    extension: [
      { url: EXT.minValue, ...min },
      { url: EXT.maxValue, ...max },
    ],
  });

  it('accepts integer and decimal answers within bounds and rejects those outside', () => {
    const age = bounded('integer', { valueInteger: 0 }, { valueInteger: 120 });
    expect(check(age, { valueInteger: 120 })).toEqual([]);
    const issues = check(age, { valueInteger: 121 });
    expect(summary(issues)).toEqual(['error value QuestionnaireResponse.item[0].answer[0].value.ofType(integer)']);
    expect(texts(issues)[0]).toContain('answer 121 is above the maximum 120 of item "v" (maxValue)');
    const temp = bounded('decimal', { valueDecimal: 35.5 }, { valueDecimal: 42 });
    expect(check(temp, { valueDecimal: 36.6 })).toEqual([]);
    expect(texts(check(temp, { valueDecimal: 35.4 }))[0]).toContain('answer 35.4 is below the minimum 35.5 of item "v" (minValue)');
  });

  it('bounds date and dateTime answers', () => {
    const when = bounded('date', { valueDate: '2020-01-01' }, { valueDate: '2024-12-31' });
    expect(check(when, { valueDate: '2024-12-31' })).toEqual([]);
    expect(summary(check(when, { valueDate: '2025-01-01' }))).toHaveLength(1);
    expect(summary(check(when, { valueDate: '2019' }))).toHaveLength(1);
    const at = bounded('dateTime', { valueDateTime: '2024-01-01T00:00:00Z' }, { valueDateTime: '2024-01-31T23:59:59Z' });
    expect(check(at, { valueDateTime: '2024-01-15T08:00:00+01:00' })).toEqual([]);
    expect(summary(check(at, { valueDateTime: '2024-01-01T00:30:00+01:00' }))).toHaveLength(1);
  });

  it('does not fault a partial date that the bound cannot order', () => {
    const when = bounded('date', { valueDate: '2024-03-15' }, { valueDate: '2024-12-31' });
    expect(check(when, { valueDate: '2024-03' })).toEqual([]);
  });
});
