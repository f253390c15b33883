/**
 * Compiled FHIRPath per search parameter: each union branch and each composite component is compiled
 * once (per component base path) and cached on the definition object, so a changed registry entry
 * (a new object) is compiled afresh. A branch that is a simple member path is evaluated by walking the
 * JSON (./fastpath.ts), falling back to fhirpath.js for anything that walk does not handle.
 */
import { splitUnion } from '../expressions';
import type { SearchParamDef } from '../params';
import { extractionBranches } from '../registry';
import { compileExpression, type Evaluator } from './elements';
import { compileFastPath, fastPathEnabled } from './fastpath';

export interface CompiledBranch {
  evaluate: Evaluator;
  restrictTo?: readonly string[];
}

const branches = new WeakMap<SearchParamDef, readonly CompiledBranch[]>();
const components = new WeakMap<SearchParamDef, Map<string, readonly Evaluator[]>>();

/** The compiled union branches of `def`. */
export function compiledBranches(def: SearchParamDef): readonly CompiledBranch[] {
  let out = branches.get(def);
  if (!out) {
    out = extractionBranches(def).map((b) => ({ evaluate: withFastPath(compileFor(def, b.expression), b.expression), restrictTo: b.restrictTo }));
    branches.set(def, out);
  }
  return out;
}

/** The compiled union branches of component `index` of composite `def`, relative to elements at `base`. */
export function compiledComponent(def: SearchParamDef, index: number, base: string): readonly Evaluator[] {
  let byKey = components.get(def);
  if (!byKey) components.set(def, (byKey = new Map()));
  const key = `${index}\u0000${base}`;
  let out = byKey.get(key);
  if (!out) {
    const expression = def.components?.[index]?.expression ?? '';
    out = splitUnion(expression).map((e) => compileFor(def, e, base));
    byKey.set(key, out);
  }
  return out;
}

/** `slow` preceded by the JSON walk when `expression` is a simple path (./fastpath.ts); decided once here. */
function withFastPath(slow: Evaluator, expression: string): Evaluator {
  const fast = compileFastPath(expression);
  if (!fast) return slow;
  return (input, env) => (fastPathEnabled() ? fast(input) : undefined) ?? slow(input, env);
}

function compileFor(def: SearchParamDef, expression: string, base?: string): Evaluator {
  try {
    return compileExpression(expression, base);
  } catch (err) {
    throw new Error(`search parameter ${def.resourceType}.${def.code}: cannot compile "${expression}": ${(err as Error).message}`, { cause: err });
  }
}
