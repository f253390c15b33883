import { parseEntryUrl } from './url';
import { outcomeErrorOf } from '../../../test/helpers/outcome-error';

const BASE = 'http://relay.test/fhir';
const AT = 'Bundle.entry[0].request.url';

describe('parseEntryUrl', () => {
  it('reads relative URLs, with or without a leading or trailing slash, and absolute ones on the base', () => {
    for (const url of ['Patient/1', '/Patient/1', 'Patient/1/', `${BASE}/Patient/1`]) expect(parseEntryUrl(url, BASE, AT).segments).toEqual(['Patient', '1']);
    expect(parseEntryUrl(BASE, BASE, AT).segments).toEqual([]);
    expect(parseEntryUrl('/', BASE, AT).segments).toEqual([]);
  });

  it('keeps every value of a repeated query parameter, decoded, in order', () => {
    const { segments, query } = parseEntryUrl('Patient?identifier=a%7Cb&name=x&name=y', BASE, AT);
    expect(segments).toEqual(['Patient']);
    expect({ ...query }).toEqual({ identifier: ['a|b'], name: ['x', 'y'] });
    expect(Object.getPrototypeOf(parseEntryUrl('Patient?constructor=1', BASE, AT).query)).toBeNull();
  });

  it('refuses, at the given expression, an empty URL, one on another server, a fragment and an empty segment', () => {
    for (const url of ['', ' ', 'http://elsewhere.example/fhir/Patient', 'http://relay.test/fhirx/Patient', 'urn:uuid:1', 'Patient#x', 'Patient//1']) {
      const err = outcomeErrorOf(() => parseEntryUrl(url, BASE, AT));
      expect({ url, kind: err.kind, expression: err.outcome.issue?.[0].expression }).toEqual({ url, kind: 'invalid', expression: [AT] });
    }
  });
});
