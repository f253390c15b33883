import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { fold } from '../fold';
import { indexResource } from './index';

beforeAll(() => loadR4Definitions());

const index = (resource: Resource) => indexResource(resource, { baseUrl: 'https://relay.example/fhir' });

describe('string extraction', () => {
  it('folds case, accents and whitespace', () => {
    expect(fold('  Zoë\t\tMÜLLER \n')).toBe('zoe muller');
    expect(fold('São Paulo')).toBe('sao paulo');
    expect(fold('Ångström')).toBe('angstrom');
  });

  it('indexes every part of a HumanName for name, and the parts for family and given', () => {
    const { sp, sort } = index({
      resourceType: 'Patient',
      name: [{ family: 'Müller', given: ['Zoë', 'Anne'], prefix: ['Dr.'], suffix: ['PhD'], text: 'Dr. Zoë Anne Müller PhD' }],
    });
    expect(sp.name).toEqual([
      { n: 'muller', e: 'Müller' },
      { n: 'zoe', e: 'Zoë' },
      { n: 'anne', e: 'Anne' },
      { n: 'dr.', e: 'Dr.' },
      { n: 'phd', e: 'PhD' },
      { n: 'dr. zoe anne muller phd', e: 'Dr. Zoë Anne Müller PhD' },
    ]);
    expect(sp.family).toEqual([{ n: 'muller', e: 'Müller' }]);
    expect(sp.given).toEqual([
      { n: 'zoe', e: 'Zoë' },
      { n: 'anne', e: 'Anne' },
    ]);
    expect(sort.name).toBe('anne');
    expect(sort.family).toBe('muller');
  });

  it('indexes every part of an Address, and each part parameter separately', () => {
    const { sp } = index({
      resourceType: 'Patient',
      address: [
        { line: ['12 Rue de la Paix', 'Bât. B'], city: 'Besançon', district: 'Doubs', state: 'BFC', postalCode: '25000', country: 'FR', text: '12 Rue de la Paix, Besançon' },
      ],
    });
    expect(sp.address?.map((v) => (v as { n: string }).n)).toEqual(['12 rue de la paix', 'bat. b', 'besancon', 'doubs', 'bfc', '25000', 'fr', '12 rue de la paix, besancon']);
    expect(sp['address-city']).toEqual([{ n: 'besancon', e: 'Besançon' }]);
    expect(sp['address-postalcode']).toEqual([{ n: '25000', e: '25000' }]);
    expect(sp['address-country']).toEqual([{ n: 'fr', e: 'FR' }]);
  });

  it('indexes string and markdown elements, skipping blank ones', () => {
    const { sp } = index({
      resourceType: 'ActivityDefinition',
      status: 'active',
      title: '   ',
      description: 'Give **Citalopram** 20 mg',
    });
    expect(sp.description).toEqual([{ n: 'give **citalopram** 20 mg', e: 'Give **Citalopram** 20 mg' }]);
    expect(sp.title).toBeUndefined();
  });

  it('indexes a CodeableConcept text for Observation value-string', () => {
    const { sp } = index({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueCodeableConcept: { text: 'Trace Amounts' } });
    expect(sp['value-string']).toEqual([{ n: 'trace amounts', e: 'Trace Amounts' }]);
  });
});
