/**
 * The answer of CodeSystem/$lookup (R4 codesystem-operation-lookup.html): a Parameters with the code
 * system's `name` (its title, else name, else URL) and `version`, the code's `display` (the code
 * itself when it has none), its `designation`s (language, use, value), and `property` entries with
 * parts code / value / description: `parent` and `child` from the hierarchy (description is the
 * related code's display), `definition`, and the concept's other properties typed as the code
 * system declares them. With `property` parameters, only those properties (and `designation` only
 * when asked for) are returned. An unknown code is a 404 naming the code and system; a code system
 * whose codes Relay does not hold (content=not-present, e.g. SNOMED CT) is a 400 not-supported.
 */
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { fail } from '../fhir/outcome';
import { parentsOf, type Concept, type LocalCodeSystem } from '../validation/valuesets';

/** The lookup answer for `code` in `cs`; `requested` are the `property` parameters (none: everything). */
export function lookupCode(cs: LocalCodeSystem, code: string, requested: readonly string[] = []): Parameters {
  const concept = cs.concepts.get(code);
  if (!concept) {
    if (cs.content === 'not-present') {
      throw fail('invalid', 'not-supported', `Relay holds no codes of code system ${cs.url} (content=not-present) and cannot look up "${code}"`, 'system');
    }
    const partial = cs.content === 'complete' ? '' : ` (Relay has only a ${cs.content} of it)`;
    throw fail('not-found', 'not-found', `code "${code}" is not in code system ${cs.url}${partial}`, 'code');
  }
  const wants = (property: string) => requested.length === 0 || requested.includes(property);
  const parameter: ParametersParameter[] = [{ name: 'name', valueString: cs.title ?? cs.name ?? cs.url }];
  if (cs.version !== undefined) parameter.push({ name: 'version', valueString: cs.version });
  parameter.push({ name: 'display', valueString: concept.display ?? concept.code });
  if (wants('designation')) {
    for (const d of concept.designation ?? []) {
      const part: ParametersParameter[] = [];
      if (d.language !== undefined) part.push({ name: 'language', valueCode: d.language });
      if (d.use !== undefined) part.push({ name: 'use', valueCoding: d.use });
      part.push({ name: 'value', valueString: d.value });
      parameter.push({ name: 'designation', part });
    }
  }
  if (wants('definition') && concept.definition !== undefined) parameter.push(property('definition', { valueString: concept.definition }));
  if (wants('parent')) for (const parent of parentsOf(cs, code)) parameter.push(property('parent', { valueCode: parent }, cs.concepts.get(parent)));
  if (wants('child')) for (const child of concept.children) parameter.push(property('child', { valueCode: child.code }, child));
  for (const [name, values] of concept.properties) {
    // parent and child are answered from the hierarchy above, which these properties are part of.
    if (name === 'parent' || name === 'child' || !wants(name)) continue;
    for (const value of values) parameter.push(property(name, typedValue(cs.propertyTypes[name], value)));
  }
  return { resourceType: 'Parameters', parameter };
}

function property(code: string, value: Omit<ParametersParameter, 'name'>, related?: Concept): ParametersParameter {
  const part: ParametersParameter[] = [{ name: 'code', valueCode: code }, { name: 'value', ...value }];
  if (related?.display !== undefined) part.push({ name: 'description', valueString: related.display });
  return { name: 'property', part };
}

/** A property value (kept as a string) in the type the code system declares for it. */
function typedValue(type: string | undefined, value: string): Omit<ParametersParameter, 'name'> {
  switch (type) {
    case 'code':
      return { valueCode: value };
    case 'Coding':
      return { valueCoding: { code: value } };
    case 'boolean':
      return { valueBoolean: value === 'true' };
    case 'integer':
      return { valueInteger: Number(value) };
    case 'decimal':
      return { valueDecimal: Number(value) };
    case 'dateTime':
      return { valueDateTime: value };
    default:
      return { valueString: value };
  }
}
