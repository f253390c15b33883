import { BASE, run, stored } from '../../../test/helpers/search-compile';
import { compileFilter as toMatcher } from '../../storage/embedded/mingo';
import type { SearchParamDef } from '../params';
import { compileFilter } from './index';

const docs = [
  stored('p1', { subject: [{ r: 'Patient/1', typ: 'Patient', id: '1' }] }),
  stored('p1v2', { subject: [{ r: 'Patient/1', typ: 'Patient', id: '1', v: '2' }] }),
  stored('g1', { subject: [{ r: 'Group/1', typ: 'Group', id: '1' }] }),
  stored('other', { subject: [{ r: 'https://other.example/fhir/Patient/1', typ: 'Patient' }] }),
  stored('ident', { subject: [{ is: 'urn:mrn', ic: '1' }] }),
  stored('payload', { subject: [{ r: '$where' }] }),
  stored('none', {}),
];

describe('reference search compilation', () => {
  it('matches a bare id against every target type', async () => {
    expect((await run('Observation', { subject: '1' }, docs)).ids).toEqual(['p1', 'p1v2', 'g1']);
    expect((await run('Observation', { patient: '1' }, docs.map((d) => ({ ...d, sp: { patient: d.sp?.subject ?? [] } })))).ids).toEqual(['p1', 'p1v2']);
  });

  it('matches Type/id, the :Type modifier and an absolute URL on our base as the same reference', async () => {
    expect((await run('Observation', { subject: 'Patient/1' }, docs)).ids).toEqual(['p1', 'p1v2']);
    expect((await run('Observation', { 'subject:Group': '1' }, docs)).ids).toEqual(['g1']);
    expect((await run('Observation', { subject: `${BASE}/Patient/1` }, docs)).ids).toEqual(['p1', 'p1v2']);
  });

  it("matches another server's URL as written, and a version when one is given", async () => {
    expect((await run('Observation', { subject: 'https://other.example/fhir/Patient/1' }, docs)).ids).toEqual(['other']);
    expect((await run('Observation', { subject: 'Patient/1/_history/2' }, docs)).ids).toEqual(['p1v2']);
  });

  it('compiles exact references to one indexed equality, and keeps the element match when a version is asked', async () => {
    const { filter } = await run('Observation', { subject: 'Patient/1' }, docs);
    expect(filter.$and).toEqual([{ 'sp.subject.r': 'Patient/1' }]);
    const versioned = await run('Observation', { subject: 'Patient/1/_history/2' }, docs);
    expect(versioned.filter.$and).toEqual([{ 'sp.subject.r': 'Patient/1', 'sp.subject': { $elemMatch: { r: 'Patient/1', v: '2' } } }]);
  });

  it(':identifier matches Reference.identifier like a token', async () => {
    expect((await run('Observation', { 'subject:identifier': 'urn:mrn|1' }, docs)).ids).toEqual(['ident']);
    expect((await run('Observation', { 'subject:identifier': '1' }, docs)).ids).toEqual(['ident']);
    expect((await run('Observation', { 'subject:identifier': '|1' }, docs)).ids).toEqual([]);
  });

  it('never matches a payload against anything but the literal text', async () => {
    expect((await run('Observation', { subject: 'urn:x:$where' }, docs)).ids).toEqual([]);
  });

  it('matches a bare id of any type on a Reference(Any) parameter', async () => {
    const sources = [stored('a', { item: [{ r: 'Patient/x.1' }] }), stored('b', { item: [{ r: 'Device/x11' }] }), stored('c', { item: [{ r: 'http://h/Patient/x.1' }] })];
    expect((await run('List', { item: 'x.1' }, sources)).ids).toEqual(['a']);
  });

  it('matches "<any type>/id" by an anchored, escaped pattern when a definition lists no targets', async () => {
    const param: SearchParamDef = { code: 'about', type: 'reference', url: 'urn:test', resourceType: 'Basic', expression: 'Basic.extension' };
    const filter = await compileFilter({ filters: [{ kind: 'reference', param, values: [{ kind: 'reference', id: 'x.1' }] }] }, async () => [], { baseUrl: BASE });
    expect(filter).toEqual({ $and: [{ 'sp.about': { $elemMatch: { r: { $regex: '^[A-Za-z]+/x\\.1$' } } } }] });
    const matcher = toMatcher(filter);
    expect(['Patient/x.1', 'Patient/x11', 'http://h/Patient/x.1', 'a/b/x.1'].map((r) => matcher(stored('d', { about: [{ r }] })))).toEqual([true, false, false, false]);
  });
});
