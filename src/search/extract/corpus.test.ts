/**
 * Indexes every official R4 example (hl7.fhir.r4.examples) that is a resource: none may throw.
 * Prints the extraction time per resource (measured, never asserted) and value counts per type.
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { searchParam } from '../registry';
import { indexResource } from './index';
import { loadR4Examples } from '../../../test/helpers/r4-examples';

const options = { baseUrl: 'http://hl7.org/fhir' };
const CONSULT_TYPES = ['Patient', 'ServiceRequest', 'Task', 'Media', 'Observation', 'DiagnosticReport', 'QuestionnaireResponse', 'Questionnaire'];

describe('extraction over the official R4 examples', () => {
  const examples = loadR4Examples();
  beforeAll(() => loadR4Definitions());

  it('indexes every example without throwing', () => {
    const failures: string[] = [];
    const valuesByType: Record<string, number> = {};
    const first = performance.now();
    for (const resource of examples) {
      try {
        const { sp } = indexResource(resource, options);
        for (const [code, values] of Object.entries(sp)) {
          const type = searchParam(resource.resourceType, code)?.type ?? '?';
          valuesByType[type] = (valuesByType[type] ?? 0) + values.length;
        }
      } catch (err) {
        failures.push(`${resource.resourceType}/${resource.id}: ${(err as Error).message}`);
      }
    }
    const cold = performance.now() - first;
    const times: number[] = [];
    const byType = new Map<string, number[]>();
    for (const resource of examples) {
      const start = performance.now();
      indexResource(resource, options);
      const ms = performance.now() - start;
      times.push(ms);
      byType.set(resource.resourceType, [...(byType.get(resource.resourceType) ?? []), ms]);
    }
    const consult = CONSULT_TYPES.map((type) => {
      const ms = byType.get(type) ?? [];
      return `${type} ${(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)).toFixed(3)} ms (n=${ms.length})`;
    });
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    console.log(
      [
        `indexed ${examples.length} R4 examples`,
        `first pass (compiling): ${(cold / examples.length).toFixed(3)} ms/resource`,
        `warm: mean ${mean.toFixed(3)} ms, p50 ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms, max ${at(1).toFixed(1)} ms per resource`,
        `consult types, warm mean: ${consult.join(', ')}`,
        `values by parameter type: ${JSON.stringify(valuesByType)}`,
      ].join('\n'),
    );
    expect(failures).toEqual([]);
    expect(examples.length).toBeGreaterThan(5000);
  });

  it('finds the values a reader of the examples would expect', () => {
    const bp = examples.find((r) => r.resourceType === 'Observation' && r.id === 'blood-pressure') as Resource;
    const { sp } = indexResource(bp, options);
    expect(sp.patient).toEqual([{ r: 'Patient/example', typ: 'Patient', id: 'example' }]);
    expect(sp['component-code-value-quantity']).toHaveLength(2);
    const patient = examples.find((r) => r.resourceType === 'Patient' && r.id === 'example') as Resource;
    expect(indexResource(patient, options).sp.family).toEqual([
      { n: 'chalmers', e: 'Chalmers' },
      { n: 'windsor', e: 'Windsor' },
    ]);
  });
});
