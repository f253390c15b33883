/**
 * composite parameters (R4 search.html, composite): the composite's expression selects elements
 * (e.g. the Observation itself, or each Observation.component); each component expression is then
 * evaluated relative to one element. An element yields one CompositeValue only when every component
 * has at least one value (otherwise no composite search could match it); components are evaluated
 * last first (the value part is usually the one missing) so that a hopeless element stops early.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { CompositeValue, IndexValue } from '../index-values';
import type { SearchParamDef } from '../params';
import { compiledBranches, compiledComponent } from './compiled';
import { distinct, valuesOf } from './values';

/** The composite index values of `resource` for composite parameter `def`. */
export function compositeValues(def: SearchParamDef, resource: Resource, baseUrl: string): CompositeValue[] {
  const components = def.components ?? [];
  const out: CompositeValue[] = [];
  for (const branch of compiledBranches(def)) {
    for (const el of branch.evaluate(resource)) {
      if (!el.path || !el.value || typeof el.value !== 'object') continue;
      const found: IndexValue[][] = [];
      for (let i = components.length - 1; i >= 0; i--) {
        const elements = compiledComponent(def, i, el.path).flatMap((evaluate) => evaluate(el.value, { resource }));
        const values = distinct(valuesOf(components[i].type, elements, { baseUrl, resource }));
        if (values.length === 0) break;
        found[i] = values;
      }
      if (components.length === 0 || found[0] === undefined) continue;
      const value: CompositeValue = {};
      components.forEach((component, i) => (value[component.code] = found[i]));
      out.push(value);
    }
  }
  return distinct(out);
}
