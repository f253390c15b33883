import { BASE, nodes, stored } from '../../../test/helpers/search-compile';
import type { FilterNode } from '../ast';
import { matchesQuery, type OracleResolver } from './index';

const options = { baseUrl: BASE, now: 0 };

describe('oracle: matchesQuery', () => {
  it('never matches a deleted document and ANDs the filters', () => {
    const filters = nodes('Patient', { name: 'eve', gender: 'female' });
    const doc = stored('1', { name: [{ n: 'eve', e: 'Eve' }], gender: [{ c: 'female' }] });
    expect(matchesQuery(doc, { filters }, () => [], options)).toBe(true);
    expect(matchesQuery({ ...doc, deleted: true }, { filters }, () => [], options)).toBe(false);
    expect(matchesQuery(doc, { filters: nodes('Patient', { name: 'eve', gender: 'male' }) }, () => [], options)).toBe(false);
  });

  it('asks the resolver for chain ids and _has references', () => {
    const asked: [string, FilterNode[], string | undefined][] = [];
    const resolve: OracleResolver = (type, filters, referencesOf) => {
      asked.push([type, filters, referencesOf]);
      return referencesOf ? ['Patient/1', 'Group/2'] : ['7'];
    };
    const observation = stored('o', { subject: [{ r: 'Patient/7' }] });
    expect(matchesQuery(observation, { filters: nodes('Observation', { 'subject:Patient.name': 'x' }) }, resolve, options)).toBe(true);
    expect(matchesQuery(stored('1', {}), { filters: nodes('Patient', { '_has:Observation:subject:code': 'x' }) }, resolve, options)).toBe(true);
    expect(matchesQuery(stored('2', {}), { filters: nodes('Patient', { '_has:Observation:subject:code': 'x' }) }, resolve, options)).toBe(false);
    expect(asked.map(([type, , refs]) => [type, refs])).toEqual([
      ['Patient', undefined],
      ['Observation', 'subject'],
      ['Observation', 'subject'],
    ]);
  });

  it('reads raw :not and :missing', () => {
    const none = stored('none', {});
    expect(matchesQuery(none, { filters: nodes('Patient', { 'gender:not': 'male' }) }, () => [], options)).toBe(true);
    expect(matchesQuery(none, { filters: nodes('Patient', { 'gender:missing': 'true' }) }, () => [], options)).toBe(true);
  });
});
