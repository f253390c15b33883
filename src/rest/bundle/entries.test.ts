import { prepareEntry } from './entries';
import type { Interaction } from '../interactions';
import { outcomeErrorOf } from '../../../test/helpers/outcome-error';

const handler: Interaction['handler'] = async () => ({ kind: 'ok' });
const interactions: Interaction[] = [
  { code: 'transaction', level: 'system', method: 'POST', path: '/', handler },
  { code: 'create', level: 'type', method: 'POST', path: '/:type', handler },
  { code: 'patch', level: 'instance', method: 'PATCH', path: '/:type/:id', handler },
  { code: 'read', level: 'instance', method: 'GET', path: '/:type/:id', handler },
];
const context = { baseUrl: 'http://relay.test/fhir', prefer: 'return=minimal', interactions };
const jsonPatch = [{ op: 'replace', path: '/active', value: false }];
const binary = (data: string, contentType = 'application/json-patch+json') => ({ resourceType: 'Binary', contentType, data });

describe('prepareEntry', () => {
  it('builds the request the HTTP edge would: route parameters, query, conditional headers and Prefer', () => {
    const prepared = prepareEntry({ request: { method: 'GET', url: 'Patient/a%2Db?_elements=id', ifNoneMatch: 'W/"1"' } }, 4, context);
    expect(prepared).toMatchObject({ index: 4, method: 'GET', interaction: { code: 'read' } });
    expect(prepared.request).toMatchObject({ type: 'Patient', id: 'a-b', query: { _elements: ['id'] }, headers: { ifNoneMatch: 'W/"1"', prefer: 'return=minimal' } });
  });

  it('gives a PATCH entry the JSON Patch decoded from its Binary, or its Parameters, with the media type', () => {
    const data = Buffer.from(JSON.stringify(jsonPatch)).toString('base64');
    expect(prepareEntry({ resource: binary(data), request: { method: 'PATCH', url: 'Patient/1' } }, 0, context).request).toMatchObject({ body: jsonPatch, contentType: 'application/json-patch+json' });
    const parameters = { resourceType: 'Parameters', parameter: [] };
    expect(prepareEntry({ resource: parameters, request: { method: 'PATCH', url: 'Patient/1' } }, 0, context).request).toMatchObject({ body: parameters, contentType: 'application/fhir+json' });
  });

  it('refuses a PATCH entry without a usable patch, pointing at the element', () => {
    const at = (resource: unknown) => outcomeErrorOf(() => prepareEntry({ resource, request: { method: 'PATCH', url: 'Patient/1' } }, 2, context)).outcome.issue?.[0].expression?.[0];
    expect(at(undefined)).toBe('Bundle.entry[2].resource');
    expect(at({ resourceType: 'Patient' })).toBe('Bundle.entry[2].resource.resourceType');
    expect(at(binary('e30=', 'application/json'))).toBe('Bundle.entry[2].resource.contentType');
    expect(at(binary('not json'))).toBe('Bundle.entry[2].resource.data');
  });

  it('refuses a nested batch or transaction, an unserved method, and a non-string ifMatch', () => {
    const error = (entry: unknown) => outcomeErrorOf(() => prepareEntry(entry, 1, context));
    expect(error({ resource: {}, request: { method: 'POST', url: '/' } }).outcome.issue?.[0].expression).toEqual(['Bundle.entry[1].request.url']);
    expect(error({ request: { method: 'DELETE', url: 'Patient/1' } }).kind).toBe('method-not-allowed');
    expect(error({ request: { method: 'GET', url: 'Patient/1', ifMatch: 1 } }).outcome.issue?.[0].expression).toEqual(['Bundle.entry[1].request.ifMatch']);
  });
});
