/** Attachment size and mime type limits (rule 7). */
import type { Attachment, QuestionnaireItem } from '@medplum/fhirtypes';
import { MAX_SIZE_URL, MIME_TYPE_URL, attachmentSize, mimeTypeMatches } from './attachment';
import { questionnaire, response, summary, texts, validate } from './testkit';

const photo: QuestionnaireItem = {
  linkId: 'photo',
  type: 'attachment',
  extension: [
    { url: MAX_SIZE_URL, valueDecimal: 1000 },
    { url: MIME_TYPE_URL, valueCode: 'image/jpeg' },
    { url: MIME_TYPE_URL, valueCode: 'image/png' },
  ],
};
const PATH = 'QuestionnaireResponse.item[0].answer[0].value.ofType(Attachment)';

function check(attachment: Attachment, item: QuestionnaireItem = photo) {
  return validate(questionnaire([item]), response([{ linkId: item.linkId, answer: [{ valueAttachment: attachment }] }]));
}

describe('attachment limits', () => {
  it('accepts an attachment of an allowed type within the size limit', () => {
    expect(check({ contentType: 'image/png', size: 1000, url: 'Binary/1' })).toEqual([]);
  });

  it('rejects an attachment larger than maxSize', () => {
    const issues = check({ contentType: 'image/png', size: 1001, url: 'Binary/1' });
    expect(summary(issues)).toEqual([`error too-long ${PATH}`]);
    expect(texts(issues)[0]).toBe(`${PATH}: attachment is 1001 bytes; item "photo" allows at most 1000 (maxSize)`);
  });

  it('measures inline data when size is absent', () => {
    const small = Buffer.alloc(999).toString('base64');
    const big = Buffer.alloc(1002).toString('base64');
    expect(check({ contentType: 'image/png', data: small })).toEqual([]);
    expect(summary(check({ contentType: 'image/png', data: big }))).toEqual([`error too-long ${PATH}`]);
  });

  it('rejects a content type the item does not accept', () => {
    const issues = check({ contentType: 'application/pdf', size: 10, url: 'Binary/1' });
    expect(summary(issues)).toEqual([`error value ${PATH}`]);
    expect(texts(issues)[0]).toContain('attachment contentType is application/pdf; item "photo" accepts image/jpeg, image/png (mimeType)');
  });

  it('compares content types without parameters and case', () => {
    expect(check({ contentType: 'Image/JPEG; charset=binary', size: 10, url: 'Binary/1' })).toEqual([]);
  });

  it('rejects an attachment without a content type when types are limited', () => {
    expect(summary(check({ size: 10, url: 'Binary/1' }))).toEqual([`error value ${PATH}`]);
  });

  it('accepts anything when the item has no limits', () => {
    expect(check({ contentType: 'video/mp4', size: 10 ** 9 }, { linkId: 'photo', type: 'attachment' })).toEqual([]);
  });
});

describe('attachment helpers', () => {
  it('decodes the base64 length with and without padding', () => {
    for (const n of [0, 1, 2, 3, 4, 5]) expect(attachmentSize({ data: Buffer.alloc(n).toString('base64') })).toBe(n);
    expect(attachmentSize({})).toBeUndefined();
  });

  it('matches type wildcards', () => {
    expect(mimeTypeMatches('image/*', 'image/heic')).toBe(true);
    expect(mimeTypeMatches('image/*', 'video/mp4')).toBe(false);
  });
});
