import { findReferences, rewriteReferences } from './references';
import { loadR4Definitions } from '../../validation/definitions';

beforeAll(() => loadR4Definitions());

const observation = {
  resourceType: 'Observation',
  subject: { reference: 'urn:uuid:p' },
  performer: [{ reference: 'Practitioner/1' }, { reference: 'urn:uuid:q' }],
  extension: [{ url: 'x', valueReference: { reference: 'urn:uuid:p' } }],
  component: [{ extension: [{ url: 'y', extension: [{ url: 'z', valueReference: { reference: 'urn:oid:1.2' } }] }] }],
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><a href="urn:uuid:p">p</a><img src=\'urn:oid:1.2\'/><a href="urn:uuid:other">o</a></div>' },
};

describe('findReferences', () => {
  it('finds every reference string with its path, however deep (elements, arrays, nested extensions)', () => {
    expect(findReferences(observation).map((r) => `${r.path}=${r.value}`).sort()).toEqual(
      [
        'subject.reference=urn:uuid:p',
        'performer[0].reference=Practitioner/1',
        'performer[1].reference=urn:uuid:q',
        'extension[0].valueReference.reference=urn:uuid:p',
        'component[0].extension[0].extension[0].valueReference.reference=urn:oid:1.2',
      ].sort(),
    );
    expect(findReferences([{ op: 'add', value: { reference: 'urn:uuid:p' } }])).toEqual([{ value: 'urn:uuid:p', path: '[0].value.reference' }]);
  });
});

describe('rewriteReferences', () => {
  const targets = new Map([
    ['urn:uuid:p', 'Patient/10'],
    ['urn:oid:1.2', 'Device/7'],
  ]);

  it('replaces mapped references and narrative links in a copy, leaving the rest and the original alone', () => {
    const out = rewriteReferences(observation, (r) => targets.get(r));
    expect(out.subject.reference).toBe('Patient/10');
    expect(out.performer.map((p) => p.reference)).toEqual(['Practitioner/1', 'urn:uuid:q']);
    expect(out.extension[0].valueReference.reference).toBe('Patient/10');
    expect(out.component[0].extension[0].extension[0].valueReference.reference).toBe('Device/7');
    expect(out.text.div).toBe('<div xmlns="http://www.w3.org/1999/xhtml"><a href="Patient/10">p</a><img src=\'Device/7\'/><a href="urn:uuid:other">o</a></div>');
    expect(observation.subject.reference).toBe('urn:uuid:p');
  });
});

describe('rewriteReferences on elements of type uri, url, oid and uuid', () => {
  it('replaces them by the R4 model, also in contained resources, but leaves canonicals and strings alone', () => {
    const map = new Map([['urn:uuid:b', 'Binary/1']]);
    const media = {
      resourceType: 'Media',
      identifier: [{ system: 'urn:uuid:b', value: 'urn:uuid:b' }],
      content: { url: 'urn:uuid:b' },
      extension: [{ url: 'x', valueUri: 'urn:uuid:b' }, { url: 'y', valueCanonical: 'urn:uuid:b' }],
      contained: [{ resourceType: 'DocumentReference', id: 'd', content: [{ attachment: { url: 'urn:uuid:b' } }] }],
    };
    const out = rewriteReferences(media, (r) => map.get(r));
    expect(out.identifier[0]).toEqual({ system: 'Binary/1', value: 'urn:uuid:b' });
    expect(out.content.url).toBe('Binary/1');
    expect(out.extension.map((e) => e.valueUri ?? e.valueCanonical)).toEqual(['Binary/1', 'urn:uuid:b']);
    expect(out.contained[0].content[0].attachment.url).toBe('Binary/1');
    const questionnaireResponse = { resourceType: 'QuestionnaireResponse', questionnaire: 'urn:uuid:b' };
    expect(rewriteReferences(questionnaireResponse, (r) => map.get(r)).questionnaire).toBe('urn:uuid:b');
  });
});

describe('rewriteReferences copies on write', () => {
  it('copies only the objects on the way to a replaced value and shares the rest with the original', () => {
    const photo = { contentType: 'image/jpeg', data: 'AAAA' };
    const media = { resourceType: 'Media', subject: { reference: 'urn:uuid:p' }, content: photo, note: [{ text: 'n' }] };
    const out = rewriteReferences(media, (r) => (r === 'urn:uuid:p' ? 'Patient/1' : undefined));
    expect(out).not.toBe(media);
    expect(out.subject).toEqual({ reference: 'Patient/1' });
    expect(out.content).toBe(photo);
    expect(out.note).toBe(media.note);
    expect(media.subject.reference).toBe('urn:uuid:p');
    expect(rewriteReferences(media, () => undefined)).toBe(media);
  });
});
