/**
 * The answer of ValueSet/$expand (R4 valueset-operation-expand.html, valueset.html#expansion): the
 * value set with an `expansion` listing its codes (system, code, display; abstract and inactive when
 * so; designations on request), flat (no nesting), in compose order. `filter` keeps codes whose code
 * or display contains it (case-insensitive); `activeOnly` drops inactive codes and `excludeNotForUI`
 * abstract ones; `offset`/`count` page the result and `total` counts every code that passed the
 * filters. The parameters that shaped the expansion are echoed in `expansion.parameter`.
 *
 * A value set Relay cannot enumerate (SNOMED CT, LOINC, a code system it lacks, a syntax-defined
 * one such as mime types) is a 400 `not-supported` naming the reason; an unpaged expansion larger
 * than MAX_EXPANSION (10,000, the limit R4 extension-valueset-toocostly.html calls typical) is a 400
`too-costly`.
 */
import { randomUUID } from 'node:crypto';
import type { ValueSet, ValueSetExpansionContains, ValueSetExpansionParameter } from '@medplum/fhirtypes';
import { fail } from '../fhir/outcome';
import { expandResource, type ExpansionEntry, type TerminologyEnv } from '../validation/valuesets';

/** Codes returned at most by one expansion without `count`. */
export const MAX_EXPANSION = 10_000;

export interface ExpandOptions {
  filter?: string;
  offset?: number;
  count?: number;
  includeDesignations?: boolean;
  activeOnly?: boolean;
  excludeNotForUI?: boolean;
  /** Echoed back, like the other parameters. */
  valueSetVersion?: string;
}

/** The codes of a value set, or the 400 that says why it cannot be expanded here. */
export function expansionEntries(vs: ValueSet, env: TerminologyEnv): ExpansionEntry[] {
  const result = expandResource(vs, env);
  const name = valueSetLabel(vs);
  if (result.kind === 'syntax') {
    throw fail('invalid', 'not-supported', `${name} cannot be expanded: its codes are ${result.format} (${result.system}), checked by syntax and not enumerable`);
  }
  if (result.kind === 'unchecked') throw fail('invalid', 'not-supported', `${name} cannot be expanded by Relay: ${result.reason}`);
  return result.entries;
}

/** The value set with its expansion (the stored compose and narrative are left out). */
export function buildExpansion(vs: ValueSet, env: TerminologyEnv, options: ExpandOptions, now = new Date()): ValueSet {
  const needle = options.filter?.toLowerCase();
  const matching = expansionEntries(vs, env).filter(
    (e) =>
      (!options.activeOnly || !e.inactive) &&
      (!options.excludeNotForUI || !e.abstract) &&
      (needle === undefined || e.code.toLowerCase().includes(needle) || (e.display?.toLowerCase().includes(needle) ?? false)),
  );
  const offset = options.offset ?? 0;
  const end = options.count === undefined ? matching.length : offset + options.count;
  if (options.count === undefined && matching.length - offset > MAX_EXPANSION) {
    throw fail('invalid', 'too-costly', `${valueSetLabel(vs)} has ${matching.length} codes; an expansion returns at most ${MAX_EXPANSION} at once: page it with count and offset`);
  }
  const contains = matching.slice(offset, end).map((e) => containsOf(e, options.includeDesignations ?? false));
  const { expansion: _expansion, compose: _compose, text: _text, ...rest } = vs;
  const parameter = echoed(options);
  return {
    ...rest,
    expansion: {
      identifier: `urn:uuid:${randomUUID()}`,
      timestamp: now.toISOString(),
      total: matching.length,
      offset,
      ...(parameter.length ? { parameter } : {}),
      ...(contains.length ? { contains } : {}),
    },
  };
}

/** `Title (url)` or whatever of that the value set has. */
export function valueSetLabel(vs: ValueSet): string {
  const name = vs.title ?? vs.name;
  if (name && vs.url) return `value set ${JSON.stringify(name)} (${vs.url})`;
  return vs.url ? `value set ${vs.url}` : name ? `value set ${JSON.stringify(name)}` : 'the value set';
}

function containsOf(e: ExpansionEntry, designations: boolean): ValueSetExpansionContains {
  const out: ValueSetExpansionContains = { system: e.system };
  if (e.abstract) out.abstract = true;
  if (e.inactive) out.inactive = true;
  out.code = e.code;
  if (e.display !== undefined) out.display = e.display;
  if (designations && e.designation?.length) out.designation = [...e.designation];
  return out;
}

function echoed(options: ExpandOptions): ValueSetExpansionParameter[] {
  const out: ValueSetExpansionParameter[] = [];
  if (options.valueSetVersion !== undefined) out.push({ name: 'valueSetVersion', valueString: options.valueSetVersion });
  if (options.filter !== undefined) out.push({ name: 'filter', valueString: options.filter });
  if (options.offset !== undefined) out.push({ name: 'offset', valueInteger: options.offset });
  if (options.count !== undefined) out.push({ name: 'count', valueInteger: options.count });
  if (options.includeDesignations !== undefined) out.push({ name: 'includeDesignations', valueBoolean: options.includeDesignations });
  if (options.activeOnly !== undefined) out.push({ name: 'activeOnly', valueBoolean: options.activeOnly });
  if (options.excludeNotForUI !== undefined) out.push({ name: 'excludeNotForUI', valueBoolean: options.excludeNotForUI });
  return out;
}
