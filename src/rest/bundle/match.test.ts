import { matchPath, matchRoute } from './match';
import type { Interaction } from '../interactions';

const handler: Interaction['handler'] = async () => ({ kind: 'ok' });
const row = (code: Interaction['code'], method: Interaction['method'], path: string): Interaction => ({ code, level: 'type', method, path, handler });
const TABLE = [row('history-type', 'GET', '/:type/_history'), row('read', 'GET', '/:type/:id'), row('update', 'PUT', '/:type/:id'), row('vread', 'GET', '/:type/:id/_history/:versionId'), row('search-system', 'GET', '/')];

describe('matchPath', () => {
  it('matches literal segments and named parameters, URL-decoding them', () => {
    expect(matchPath('/:type/:id/_history/:versionId', ['Patient', 'a%2Db', '_history', '2'])).toEqual({ type: 'Patient', id: 'a-b', versionId: '2' });
    expect(matchPath('/', [])).toEqual({});
    expect(matchPath('/:type/_history', ['Patient', 'x'])).toBeUndefined();
    expect(matchPath('/:type', ['Patient', 'x'])).toBeUndefined();
    expect(matchPath('/:type', ['%E0%A4%A'])).toBeUndefined();
  });
});

describe('matchRoute', () => {
  it('takes the first row of the method whose path matches, so literal segments win over parameters', () => {
    expect(matchRoute(TABLE, 'GET', ['Patient', '_history'])).toMatchObject({ interaction: { code: 'history-type' } });
    expect(matchRoute(TABLE, 'GET', ['Patient', '1'])).toMatchObject({ interaction: { code: 'read' }, params: { type: 'Patient', id: '1' } });
    expect(matchRoute(TABLE, 'PUT', ['Patient', '1'])).toMatchObject({ interaction: { code: 'update' } });
  });

  it('serves HEAD as GET, lists the allowed methods of a known path, and finds nothing for an unknown one', () => {
    expect(matchRoute(TABLE, 'HEAD', [])).toMatchObject({ interaction: { code: 'search-system' } });
    expect(matchRoute(TABLE, 'DELETE', ['Patient', '1'])).toEqual({ allowed: ['GET', 'PUT'] });
    expect(matchRoute(TABLE, 'GET', ['Patient', '1', 'x'])).toBeUndefined();
  });
});
