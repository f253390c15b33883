import { Targets } from './targets';
import { outcomeErrorOf } from '../../../test/helpers/outcome-error';

describe('Targets', () => {
  const targets = new Targets();
  targets.set({ index: 0, fullUrl: 'urn:uuid:p' }, 'Patient/10');
  targets.set({ index: 1, fullUrl: 'urn:oid:1.2' }, 'Patient/11');
  targets.set({ index: 2, fullUrl: 'http://other.example/fhir/Practitioner/9' }, 'Practitioner/12');

  it('resolves fullUrls, and relative references from an entry whose fullUrl is a RESTful URL on the same base', () => {
    expect(targets.resolve('urn:uuid:p', undefined)).toBe('Patient/10');
    expect(targets.resolve('Practitioner/9', 'http://other.example/fhir/Observation/1')).toBe('Practitioner/12');
    expect(targets.resolve('Practitioner/9', 'urn:uuid:x')).toBeUndefined();
    expect(targets.resolve('Patient/10', undefined)).toBeUndefined();
  });

  it('replaces whole fullUrls in query values and comma-separated parts, and in If-None-Exist criteria', () => {
    expect({ ...targets.inQuery({ subject: ['urn:uuid:p,urn:oid:1.2'], code: ['urn:uuid:p-not'] }) }).toEqual({ subject: ['Patient/10,Patient/11'], code: ['urn:uuid:p-not'] });
    expect(targets.inCriteria('Observation?subject=urn:uuid:p&code=1')).toBe('Observation?subject=Patient%2F10&code=1');
    expect(targets.inCriteria('identifier=a|b')).toBe('identifier=a|b');
  });

  it('refuses one fullUrl for two different resources (bdl-7), unless an entry revises its own', () => {
    const err = outcomeErrorOf(() => targets.set({ index: 3, fullUrl: 'urn:uuid:p' }, 'Patient/99'));
    expect(err.outcome.issue?.[0].expression).toEqual(['Bundle.entry[3].fullUrl']);
    targets.set({ index: 0, fullUrl: 'urn:uuid:p' }, 'Patient/20', true);
    expect(targets.resolve('urn:uuid:p', undefined)).toBe('Patient/20');
  });
});
