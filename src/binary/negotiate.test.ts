import { OperationOutcomeError } from '../fhir/outcome';
import { binaryAnswer } from './negotiate';

describe('Binary read negotiation', () => {
  it('answers the raw content with no Accept, */*, a matching type or a matching wildcard', () => {
    for (const accept of [undefined, '', '*/*', 'image/jpeg', 'image/*', 'text/html,application/xhtml+xml,*/*;q=0.8']) {
      expect(binaryAnswer(accept, undefined, 'image/jpeg')).toBe('raw');
    }
  });

  it('answers the Binary resource for FHIR JSON, plain JSON or _format, also beside */*', () => {
    for (const accept of ['application/fhir+json', 'application/json', 'application/fhir+json, */*']) {
      expect(binaryAnswer(accept, undefined, 'image/jpeg')).toBe('resource');
    }
    expect(binaryAnswer('image/jpeg', 'json', 'image/jpeg')).toBe('resource');
  });

  it('follows q values', () => {
    expect(binaryAnswer('application/fhir+json;q=0.5, image/jpeg', undefined, 'image/jpeg')).toBe('raw');
    expect(binaryAnswer('application/fhir+json, image/jpeg;q=0', undefined, 'image/jpeg')).toBe('resource');
  });

  it('refuses with 406 an Accept that allows neither the stored type nor FHIR JSON', () => {
    expect(() => binaryAnswer('image/png', undefined, 'image/jpeg')).toThrow(OperationOutcomeError);
    expect(() => binaryAnswer('video/*', undefined, 'image/jpeg')).toThrow(/neither/);
  });
});
