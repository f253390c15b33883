import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { searchParam } from '../registry';
import { extractParam, indexResource } from './index';

beforeAll(() => loadR4Definitions());

const options = { baseUrl: 'https://relay.example/fhir' };

describe('indexResource', () => {
  it('leaves out _id, _lastUpdated, special parameters and parameters without values', () => {
    const resource: Resource = {
      resourceType: 'Location',
      id: 'loc1',
      meta: { lastUpdated: '2024-01-01T00:00:00Z', versionId: '1' },
      name: 'Clinic',
      position: { longitude: 2.35, latitude: 48.85 },
    };
    const { sp, sort } = indexResource(resource, options);
    expect(Object.keys(sp).sort()).toEqual(['name']);
    expect(sort).toEqual({ name: 'clinic' });
  });

  it('removes repeated values within a parameter', () => {
    const { sp } = indexResource({ resourceType: 'Patient', name: [{ family: 'Roe' }, { family: 'Roe', given: ['Jo'] }] }, options);
    expect(sp.family).toEqual([{ n: 'roe', e: 'Roe' }]);
  });

  it('extracts one parameter on its own', () => {
    const def = searchParam('Patient', 'gender');
    expect(def && extractParam(def, { resourceType: 'Patient', gender: 'other' }, options)).toEqual([{ c: 'other' }]);
  });

  it('indexes any concrete type, including Binary and Bundle', () => {
    expect(indexResource({ resourceType: 'Binary', contentType: 'text/plain', meta: { tag: [{ code: 't' }] } }, options).sp).toEqual({ _tag: [{ c: 't' }] });
    const bundle = indexResource({ resourceType: 'Bundle', type: 'document', identifier: { system: 'urn:x', value: '1' }, timestamp: '2024-01-01T00:00:00Z' }, options);
    expect(bundle.sp).toMatchObject({ identifier: [{ s: 'urn:x', c: '1' }], type: [{ c: 'document' }], timestamp: [{ lo: Date.UTC(2024, 0, 1), hi: Date.UTC(2024, 0, 1) + 1000 }] });
  });

  it('does not throw on content of the wrong JSON shape (it only has to index what it understands)', () => {
    const malformed = {
      resourceType: 'Observation',
      status: 'final',
      code: 'x',
      category: ['x', { coding: 'x' }, { coding: [null, 'x'] }],
      subject: 'Patient/1',
      identifier: [{ type: { coding: 'x' } }, 'x'],
      effectivePeriod: 'x',
      valueQuantity: 'x',
      contained: 'x',
      performer: [{ reference: '#x' }],
      meta: { profile: [['x']], tag: 'x', security: [{ code: 5 }] },
      component: [{ code: { coding: {} }, valueRange: { low: 'x' } }, { code: {}, valueQuantity: { value: '5' } }],
    } as unknown as Resource;
    expect(() => indexResource(malformed, options)).not.toThrow();
    const timing = { resourceType: 'ServiceRequest', status: 'active', intent: 'order', occurrenceTiming: { event: 'x', repeat: { boundsPeriod: 'x' } } } as unknown as Resource;
    expect(() => indexResource(timing, options)).not.toThrow();
    const names = { resourceType: 'Patient', name: ['x', { given: 'Jo', family: ['x'] }], address: 'x', telecom: ['x'] } as unknown as Resource;
    expect(indexResource(names, options).sp.given).toEqual([{ n: 'jo', e: 'Jo' }]);
  });
});
