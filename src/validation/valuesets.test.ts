import type { Expansion } from './valuesets';
import { expandValueSet, isMimeType, loadTerminology, uncheckedValueSets } from './valuesets';

beforeAll(() => loadTerminology());

function codes(url: string): string[] {
  const e: Expansion = expandValueSet(url);
  if (e.kind !== 'codes') throw new Error(`${url} is ${e.kind}`);
  return [...e.codes];
}

describe('expandValueSet', () => {
  it('includes every code of a code system, nested concepts too, and ignores a |version suffix', () => {
    expect(codes('http://hl7.org/fhir/ValueSet/condition-clinical|4.0.1')).toEqual(['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved']);
    const e = expandValueSet('http://hl7.org/fhir/ValueSet/condition-clinical');
    expect(e.kind === 'codes' && e.pairs.has('http://terminology.hl7.org/CodeSystem/condition-clinical|relapse')).toBe(true);
  });

  it('expands is-a filters over a code-system hierarchy (v3 RoleCode SIB)', () => {
    const sibling = codes('http://hl7.org/fhir/ValueSet/sibling-relationship-codes');
    expect(sibling).toEqual(expect.arrayContaining(['SIB', 'BRO', 'TWINBRO', 'HSIS']));
    expect(sibling).not.toContain('MTH');
  });

  it('expands descendent-of (without the root) and is-not-a filters', () => {
    const inactive = codes('http://hl7.org/fhir/ValueSet/inactive');
    expect(inactive).toContain('GOL');
    expect(inactive).not.toContain('_ActMoodPredicate');
    const contact = codes('http://hl7.org/fhir/ValueSet/patient-contactrelationship');
    expect(contact).toContain('E');
    expect(contact).not.toContain('O');
  });

  it('applies compose.exclude', () => {
    expect(codes('http://terminology.hl7.org/ValueSet/v3-SubstanceAdminSubstitutionReason')).toEqual(['CT', 'FP', 'OS', 'RR']);
  });

  it('imports value sets and explicit concept lists across systems', () => {
    const e = expandValueSet('http://hl7.org/fhir/ValueSet/yesnodontknow');
    expect(e.kind === 'codes' && [...e.pairs].sort()).toEqual([
      'http://terminology.hl7.org/CodeSystem/data-absent-reason|asked-unknown',
      'http://terminology.hl7.org/CodeSystem/v2-0136|N',
      'http://terminology.hl7.org/CodeSystem/v2-0136|Y',
    ]);
    expect(codes('http://hl7.org/fhir/ValueSet/languages')).toContain('en-US');
  });

  it('marks value sets it cannot expand locally as unchecked, with a reason', () => {
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/clinical-findings')).toMatchObject({ kind: 'unchecked', reason: expect.stringContaining('SNOMED CT') });
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/ucum-units')).toMatchObject({ kind: 'unchecked', reason: expect.stringContaining('UCUM') });
    expect(expandValueSet('http://example.org/ValueSet/nowhere')).toMatchObject({ kind: 'unchecked' });
    expect(uncheckedValueSets().get('http://hl7.org/fhir/ValueSet/clinical-findings')).toContain('SNOMED CT');
  });

  it('checks mime types and currencies by syntax', () => {
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/mimetypes')).toMatchObject({ kind: 'syntax', system: 'urn:ietf:bcp:13' });
    const currency = expandValueSet('http://hl7.org/fhir/ValueSet/currencies');
    expect(currency.kind === 'syntax' && [currency.test('EUR'), currency.test('eur')]).toEqual([true, false]);
  });

  it('returns the same cached expansion on later calls', () => {
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/administrative-gender')).toBe(expandValueSet('http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1'));
  });
});

describe('isMimeType', () => {
  it.each(['image/png', 'application/fhir+json; charset=utf-8', 'text/plain;charset="us-ascii"', 'application/dicom; variant=DICOM STOW-RS', 'video/mp4'])('accepts %s', (m) => {
    expect(isMimeType(m)).toBe(true);
  });
  it.each(['xml', 'image png', 'image/', '/png', 'text/plain; charset=', 'image/png ', 'text/plain;;a=b'])('rejects %s', (m) => {
    expect(isMimeType(m)).toBe(false);
  });
});
