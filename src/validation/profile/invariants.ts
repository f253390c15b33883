/**
 * FHIRPath invariants of a profile (R4 conformance-rules.html#constraints): each expression is
 * compiled once with the HL7 `fhirpath` engine and the R4 model, then run on every element it
 * applies to, with %resource and %rootResource set. An invariant holds when its result is `true`;
 * an empty or false result violates it. A constraint of severity `error` rejects the resource, one
 * of severity `warning` is reported as a warning. An expression that fails to compile or throws is
 * reported (as an error, since the rule cannot be confirmed).
 */
import { compile } from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { ElementDefinitionConstraint } from '@medplum/fhirtypes';
import type { Issue } from '../../fhir/outcome';
import { issue } from '../../fhir/outcome';

export interface Invariant {
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly human: string;
  readonly expression: string;
  /** Evaluates on one element; returns true when it holds. Throws when the expression cannot run. */
  readonly holds: (node: unknown, root: unknown) => boolean;
}

/** Compiles one constraint of an element at `path` (the element's path, e.g. `Task.restriction`). */
export function compileInvariant(constraint: ElementDefinitionConstraint, path: string): Invariant {
  const expression = constraint.expression ?? '';
  const base = { key: constraint.key, severity: constraint.severity === 'warning' ? 'warning' : 'error', human: constraint.human ?? constraint.key, expression } as const;
  let fn: (resource: unknown, env: Record<string, unknown>) => unknown;
  try {
    fn = compile({ base: path.replace(/\[x\]/g, ''), expression }, r4Model, { resolveInternalTypes: true }) as typeof fn;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ...base, holds: () => { throw new Error(`the expression does not compile: ${message}`); } };
  }
  return {
    ...base,
    holds: (node, root) => {
      const result = fn(node, { resource: root, rootResource: root }) as unknown[];
      return result.length === 1 && result[0] === true;
    },
  };
}

/** Runs an invariant on one element and appends an issue when it does not hold. */
export function checkInvariant(invariant: Invariant, node: unknown, root: unknown, path: string, profileUrl: string, issues: Issue[]): void {
  let ok: boolean;
  try {
    ok = invariant.holds(node, root);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    issues.push(issue('error', 'exception', `${path}: constraint ${invariant.key} could not be evaluated (${message}; profile ${profileUrl})`, path));
    return;
  }
  if (ok) return;
  const text = `${path}: constraint ${invariant.key} failed: ${invariant.human} (profile ${profileUrl}; expression: ${invariant.expression})`;
  issues.push(issue(invariant.severity, 'invariant', text, path));
}
