/** ValueSet expansion for token `:in` / `:not-in`, from the local R4 terminology (validation/valuesets.ts). */
import { fail } from '../../fhir/outcome';
import { expandValueSet } from '../../validation/valuesets';
import type { CodePair } from '../ast';

/** The code pairs of the union of `valueSets`; a value set the server cannot expand is a 400 naming it. */
export function expandValueSets(valueSets: string[], parameter: string): CodePair[] {
  const seen = new Set<string>();
  const out: CodePair[] = [];
  for (const url of valueSets) {
    const expansion = expandValueSet(url);
    if (expansion.kind !== 'codes') {
      const why = expansion.kind === 'unchecked' ? expansion.reason : `it is defined by a syntax (${expansion.format}), not a list of codes`;
      throw fail('invalid', 'not-supported', `${parameter}: value set ${url} cannot be expanded by this server: ${why}`, parameter);
    }
    for (const pair of expansion.pairs) {
      if (seen.has(pair)) continue;
      seen.add(pair);
      const bar = pair.indexOf('|');
      out.push({ system: pair.slice(0, bar), code: pair.slice(bar + 1) });
    }
  }
  return out;
}
