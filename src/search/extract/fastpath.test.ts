/**
 * The fast path (./fastpath.ts) against fhirpath.js over every official R4 example: per branch, the
 * walk must give exactly the Elements fhirpath.js gives (or defer to it), and `indexResource` must
 * give the same `sp` and `sort` with the fast path on and off.
 */
import { loadR4Definitions, resourceTypes } from '../../validation/definitions';
import { extractionBranches, searchParams } from '../registry';
import { compileExpression } from './elements';
import { compileFastPath, setFastPathEnabled } from './fastpath';
import { indexResource } from './index';
import { loadR4Examples } from '../../../test/helpers/r4-examples';

const options = { baseUrl: 'http://hl7.org/fhir' };

describe('fast path for simple search expressions', () => {
  const examples = loadR4Examples();
  beforeAll(() => loadR4Definitions());
  afterEach(() => setFastPathEnabled(true));

  it('recognises simple paths and leaves the rest to fhirpath.js', () => {
    expect(compileFastPath('Patient.name')).toBeDefined();
    expect(compileFastPath('Patient.name.family')).toBeDefined();
    expect(compileFastPath('Observation.value.ofType(Quantity)')).toBeDefined();
    expect(compileFastPath('Observation.effective')).toBeDefined();
    expect(compileFastPath('Patient.id')).toBeDefined();
    for (const expression of [
      'Patient',
      'Patient.contact',
      'Patient.contained',
      'Patient.birthDate.extension',
      'Patient.name.where(use = \'official\')',
      'Patient.name.ofType(HumanName)',
      'Patient.nosuch',
      'Bundle.entry[0].resource',
      'Observation.value.ofType(Age)',
      'Condition.onset.ofType(Quantity)',
      'Patient.deceased.exists()',
      '(Patient.name)',
    ]) {
      expect([expression, compileFastPath(expression)]).toEqual([expression, undefined]);
    }
  });

  it('gives the Elements fhirpath.js gives, branch by branch, over every example', () => {
    const mismatches: string[] = [];
    let fast = 0;
    let all = 0;
    let compared = 0;
    let deferred = 0;
    const cache = new Map<string, { slow: ReturnType<typeof compileExpression>; fast: ReturnType<typeof compileFastPath> }>();
    for (const type of resourceTypes()) {
      for (const def of searchParams(type)) {
        if (def.type === 'special') continue;
        for (const b of extractionBranches(def)) {
          all++;
          if (compileFastPath(b.expression)) fast++;
        }
      }
    }
    for (const resource of examples) {
      for (const def of searchParams(resource.resourceType)) {
        if (def.type === 'special') continue;
        for (const b of extractionBranches(def)) {
          let c = cache.get(b.expression);
          if (!c) cache.set(b.expression, (c = { slow: compileExpression(b.expression), fast: compileFastPath(b.expression) }));
          if (!c.fast) continue;
          const got = c.fast(resource);
          if (got === undefined) {
            deferred++;
            continue;
          }
          compared++;
          const want = c.slow(resource);
          try {
            expect(got).toEqual(want);
          } catch {
            mismatches.push(`${resource.resourceType}/${resource.id} ${b.expression}: ${JSON.stringify(got).slice(0, 200)} != ${JSON.stringify(want).slice(0, 200)}`);
          }
        }
      }
    }
    console.log(`fast path: ${fast} of ${all} R4 branches (${((100 * fast) / all).toFixed(1)}%); ${compared} evaluations compared, ${deferred} deferred`);
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(fast / all).toBeGreaterThan(0.5);
    expect(deferred).toBeLessThan(compared / 100);
  });

  it('indexes every example identically with the fast path on and off', () => {
    const mismatches: string[] = [];
    for (const resource of examples) {
      setFastPathEnabled(false);
      const want = indexResource(resource, options);
      setFastPathEnabled(true);
      const got = indexResource(resource, options);
      try {
        expect(got.sp).toEqual(want.sp);
        expect(got.sort).toEqual(want.sort);
      } catch {
        mismatches.push(`${resource.resourceType}/${resource.id}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(examples.length).toBeGreaterThan(5000);
  });

  it('defers to fhirpath.js on JSON the walk does not expect', () => {
    const evaluate = compileFastPath('Patient.name.family');
    expect(evaluate?.({ resourceType: 'Observation', name: [{ family: 'x' }] })).toBeUndefined();
    expect(evaluate?.({ resourceType: 'Patient', name: [[{ family: 'x' }]] })).toBeUndefined();
    expect(evaluate?.({ resourceType: 'Patient', name: [{ family: { text: 'x' } }] })).toBeUndefined();
    expect(evaluate?.({ resourceType: 'Patient', name: [{ family: 'x' }, null, { given: ['y'] }] })).toEqual([{ type: 'string', value: 'x', path: 'string' }]);
  });
});
