/** How the audit trail names a request from its method and path alone (R4 restful-interaction codes; BALP action). */
import { actionOf, classify, outcomeOf } from '../src/audit/classify';

describe('classifying requests for the audit trail', () => {
  it.each([
    ['GET', '/', { code: 'search-system' }, 'E'],
    ['POST', '/', { code: 'transaction' }, 'E'],
    ['GET', '/metadata', { code: 'capabilities' }, 'R'],
    ['GET', '/.well-known/smart-configuration', { code: 'capabilities' }, 'R'],
    ['GET', '/_history', { code: 'history-system' }, 'E'],
    ['POST', '/_search', { code: 'search-system' }, 'E'],
    ['GET', '/Patient', { code: 'search-type', type: 'Patient' }, 'E'],
    ['POST', '/Patient/_search', { code: 'search-type', type: 'Patient' }, 'E'],
    ['POST', '/Patient', { code: 'create', type: 'Patient' }, 'C'],
    ['PUT', '/Patient', { code: 'update', type: 'Patient' }, 'U'],
    ['DELETE', '/Patient', { code: 'delete', type: 'Patient' }, 'D'],
    ['GET', '/Patient/_history', { code: 'history-type', type: 'Patient' }, 'E'],
    ['GET', '/Patient/1', { code: 'read', type: 'Patient', id: '1' }, 'R'],
    ['HEAD', '/Patient/1', { code: 'read', type: 'Patient', id: '1' }, 'R'],
    ['PATCH', '/Patient/1', { code: 'patch', type: 'Patient', id: '1' }, 'U'],
    ['GET', '/Patient/1/_history', { code: 'history-instance', type: 'Patient', id: '1' }, 'R'],
    ['GET', '/Patient/1/_history/2', { code: 'vread', type: 'Patient', id: '1', versionId: '2' }, 'R'],
    ['POST', '/$validate', { code: 'operation', operation: 'validate' }, 'E'],
    ['POST', '/Patient/$validate', { code: 'operation', operation: 'validate', type: 'Patient' }, 'E'],
    ['GET', '/ValueSet/vs/$expand', { code: 'operation', operation: 'expand', type: 'ValueSet', id: 'vs' }, 'E'],
    ['GET', '/not-a-type', { code: 'unknown' }, 'E'],
  ])('%s %s', (method, path, expected, action) => {
    const what = classify(method, path);
    expect(JSON.parse(JSON.stringify(what))).toEqual(expected);
    expect(actionOf(what.code)).toBe(action);
  });

  it('maps statuses to R4 outcomes: 0 success, 4 for 4xx, 8 for 5xx', () => {
    expect([200, 201, 304, 400, 401, 403, 404, 429, 500, 503].map(outcomeOf)).toEqual(['0', '0', '0', '4', '4', '4', '4', '4', '8', '8']);
  });
});
