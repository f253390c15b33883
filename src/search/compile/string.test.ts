import { run, stored } from '../../../test/helpers/search-compile';

const docs = [
  stored('eve', { name: [{ n: 'eve', e: 'Eve' }] }),
  stored('evelyne', { name: [{ n: 'evelyne', e: 'Évelyne' }] }),
  stored('severine', { name: [{ n: 'severine', e: 'Séverine' }] }),
  stored('meta', { name: [{ n: 'a.b*c (x) [y] ^$', e: 'a.b*c (x) [y] ^$' }] }),
  stored('payload', { name: [{ n: '{"$ne":1}', e: '{"$ne":1}' }] }),
  stored('none', {}),
];

describe('string search compilation', () => {
  it('matches a case- and accent-insensitive prefix by default', async () => {
    expect((await run('Patient', { name: 'EVE' }, docs)).ids).toEqual(['eve', 'evelyne']);
    expect((await run('Patient', { name: 'Éve' }, docs)).ids).toEqual(['eve', 'evelyne']);
  });

  it('matches anywhere with :contains and the whole unfolded text with :exact', async () => {
    expect((await run('Patient', { 'name:contains': 'ever' }, docs)).ids).toEqual(['severine']);
    expect((await run('Patient', { 'name:exact': 'Eve' }, docs)).ids).toEqual(['eve']);
    expect((await run('Patient', { 'name:exact': 'eve' }, docs)).ids).toEqual([]);
    expect((await run('Patient', { 'name:exact': 'Evelyne' }, docs)).ids).toEqual([]);
  });

  it('ORs comma-separated values and honours escaped commas', async () => {
    expect((await run('Patient', { name: 'sev,eve' }, docs)).ids).toEqual(['eve', 'evelyne', 'severine']);
    expect((await run('Patient', { name: 'sev\\,eve' }, docs)).ids).toEqual([]);
  });

  it('escapes regular-expression metacharacters', async () => {
    const { ids, filter } = await run('Patient', { name: 'a.b*c (x) [y] ^$' }, docs);
    expect(ids).toEqual(['meta']);
    expect(JSON.stringify(filter)).toContain('a\\\\.b\\\\*c \\\\(x\\\\) \\\\[y\\\\] \\\\^\\\\$');
    expect((await run('Patient', { 'name:contains': '.*' }, docs)).ids).toEqual([]);
    expect((await run('Patient', { name: '.' }, docs)).ids).toEqual([]);
  });

  it('treats operator payloads as literal text', async () => {
    expect((await run('Patient', { name: '{"$ne":1}' }, docs)).ids).toEqual(['payload']);
    expect((await run('Patient', { 'name:exact': '$where' }, docs)).ids).toEqual([]);
  });
});
