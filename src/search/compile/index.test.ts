import { BASE, nodes, run, stored } from '../../../test/helpers/search-compile';
import type { FilterNode, Resolver } from '../ast';
import { compileFilter } from './index';

const options = { baseUrl: BASE, now: 0 };
const OPERATORS = new Set(['$elemMatch', '$or', '$and', '$nor', '$in', '$regex', '$exists', '$gt', '$gte', '$lt', '$lte']);
const FIELDS = /^(deleted|_id|lastUpdatedMs|sp\.[a-z_][a-z0-9-]*(\.(c|r|0))?|[a-z]{1,2}|[a-z][a-z-]+)$/;

/** Every key of a filter document, at any depth. */
function keys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => keys(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keys(v, out);
    }
  }
  return out;
}

/** Every string value of a filter document, at any depth. */
function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => leaves(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => leaves(v, out));
  return out;
}

describe('compileFilter', () => {
  it('always excludes deleted resources', async () => {
    expect(await compileFilter({ filters: [] }, async () => [], options)).toEqual({ deleted: false });
    const docs = [stored('live', {}), stored('gone', {}, { deleted: true })];
    expect((await run('Patient', {}, docs)).ids).toEqual(['live']);
  });

  it('compiles _id to the document id and :missing to the presence of a first value', async () => {
    expect(await compileFilter({ filters: nodes('Patient', { _id: 'a,b', 'name:missing': 'true', 'gender:missing': 'false' }) }, async () => [], options)).toEqual({
      deleted: false,
      $and: [{ _id: { $in: ['a', 'b'] } }, { 'sp.name.0': { $exists: false } }, { 'sp.gender.0': { $exists: true } }],
    });
    const docs = [stored('named', { name: [{ n: 'x', e: 'x' }] }), stored('anonymous', {})];
    expect((await run('Patient', { 'name:missing': 'true' }, docs)).ids).toEqual(['anonymous']);
    expect((await run('Patient', { 'name:missing': 'false' }, docs)).ids).toEqual(['named']);
  });

  it('resolves a chain through the resolver and matches the references it returns', async () => {
    const calls: [string, FilterNode[], string | undefined][] = [];
    const resolve: Resolver = async (type, filters, referencesOf) => {
      calls.push([type, filters, referencesOf]);
      return ['1', '2'];
    };
    const filter = await compileFilter({ filters: nodes('Observation', { 'subject:Patient.name': 'Éve' }) }, resolve, options);
    // A part that requires an index value excludes deleted resources by itself (they keep none).
    expect(filter).toEqual({ $and: [{ 'sp.subject.r': { $in: ['Patient/1', 'Patient/2'] } }] });
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('Patient');
    expect(calls[0][1]).toMatchObject([{ kind: 'string', values: [{ text: 'Éve', folded: 'eve' }] }]);
    expect(calls[0][2]).toBeUndefined();
  });

  it('resolves _has to the ids this type is referred to by', async () => {
    const resolve: Resolver = async (type, _filters, referencesOf) => {
      expect([type, referencesOf]).toEqual(['Observation', 'subject']);
      return ['Patient/1', 'Group/2', 'Patient/3', 'https://other.example/fhir/Patient/4', 'Patient/3'];
    };
    const filter = await compileFilter({ filters: nodes('Patient', { '_has:Observation:subject:code': 'x' }) }, resolve, options);
    expect(filter).toEqual({ deleted: false, $and: [{ _id: { $in: ['1', '3'] } }] });
  });

  it('never turns values into operators or field names', async () => {
    const payloads = ['$where', '{"$ne":1}', '$gt', '__proto__', 'a.b', '$regex'];
    const params = ['name', 'gender', 'identifier', 'general-practitioner', '_profile', 'language:text', 'name:exact', 'name:contains', '_id'];
    for (const payload of payloads) {
      for (const param of params) {
        const value = param === 'general-practitioner' ? `urn:x:${payload}` : payload.replace(/[\\,|$]/g, '\\$&');
        const filter = await compileFilter({ filters: nodes('Patient', { [param]: value }) }, async () => [], options);
        for (const key of keys(filter)) expect(OPERATORS.has(key) || FIELDS.test(key)).toBe(true);
        if (!OPERATORS.has(payload)) expect(keys(filter)).not.toContain(payload);
        expect(leaves(filter).some((leaf) => leaf.replace(/\\(.)/g, '$1').includes(payload))).toBe(true);
      }
    }
  });
});
