import { run, stored } from '../../../test/helpers/search-compile';
import { ancestors } from './uri';

const URLS = ['http://acme.org', 'http://acme.org/fhir', 'http://acme.org/fhir/', 'http://acme.org/fhir/Questionnaire/q1', 'http://acme.org/fhirx', 'urn:uuid:1', 'http:'];
const docs = URLS.map((u) => stored(u, { url: [{ u }] }));

async function ids(key: string, value: string): Promise<string[]> {
  return (await run('Questionnaire', { [key]: value }, docs)).ids;
}

describe('uri search compilation', () => {
  it('matches exactly by default', async () => {
    expect(await ids('url', 'http://acme.org/fhir')).toEqual(['http://acme.org/fhir']);
  });

  it(':below matches the uri and what lies below it on a path boundary', async () => {
    expect(await ids('url:below', 'http://acme.org/fhir')).toEqual(['http://acme.org/fhir', 'http://acme.org/fhir/', 'http://acme.org/fhir/Questionnaire/q1']);
    expect(await ids('url:below', 'http://acme.org/fhir/')).toEqual(['http://acme.org/fhir/', 'http://acme.org/fhir/Questionnaire/q1']);
  });

  it(':above matches the uri and its ancestors past the authority', async () => {
    expect(await ids('url:above', 'http://acme.org/fhir/Questionnaire/q1')).toEqual([
      'http://acme.org',
      'http://acme.org/fhir',
      'http://acme.org/fhir/',
      'http://acme.org/fhir/Questionnaire/q1',
    ]);
  });

  it('lists the ancestors of a uri', () => {
    expect(ancestors('http://a.org/b/c')).toEqual(['http://a.org/b/c', 'http://a.org', 'http://a.org/', 'http://a.org/b', 'http://a.org/b/']);
    expect(ancestors('urn:oid:1.2')).toEqual(['urn:oid:1.2']);
  });
});
