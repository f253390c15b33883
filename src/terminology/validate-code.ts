/**
 * The answer of ValueSet/$validate-code and CodeSystem/$validate-code (R4
 * valueset-operation-validate-code.html, codesystem-operation-validate-code.html): a Parameters with
 * `result`, `message` and `display`. The codings checked are one (code + system, or a Coding) or
 * several (a CodeableConcept, valid when any of its codings is). A code is valid when it is in the
 * value set's expansion (or matches the syntax of a syntax-defined one such as mime types), or in
 * the code system. A display that matches neither the code's display nor one of its designations
 * (ignoring case and spacing) leaves the result true with a warning in `message`. A code given
 * without a system is matched by code alone when exactly one code of the value set has it.
 *
 * When Relay cannot tell (a value set it cannot expand, a code system that is only a fragment) the
 * answer is a 400 `not-supported` instead of a guess.
 */
import type { Parameters, ParametersParameter, ValueSet } from '@medplum/fhirtypes';
import { fail } from '../fhir/outcome';
import { conceptStatus, expandResource, type Designation, type ExpansionEntry, type LocalCodeSystem, type TerminologyEnv } from '../validation/valuesets';
import { valueSetLabel } from './expand';

export interface CodeToCheck {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
}

export interface CheckOptions {
  /** The `abstract` parameter: false rejects abstract (notSelectable) codes. */
  abstract?: boolean;
}

export interface CodeCheck {
  result: boolean;
  message?: string;
  display?: string;
}

interface Known {
  system: string;
  code: string;
  display?: string;
  designation?: readonly Designation[];
  abstract?: boolean;
}

/** Checks codings against a value set. */
export function checkInValueSet(vs: ValueSet, env: TerminologyEnv, codings: readonly CodeToCheck[], options: CheckOptions = {}): CodeCheck {
  const name = valueSetLabel(vs);
  const expansion = expandResource(vs, env);
  if (expansion.kind === 'unchecked') throw fail('invalid', 'not-supported', `Relay cannot check codes against ${name}: ${expansion.reason}`);
  if (expansion.kind === 'syntax') {
    return combine(
      codings.map((c): CodeCheck => {
        if (c.system !== undefined && c.system !== expansion.system) return { result: false, message: `${label(c)} is not in ${name}: its codes are from ${expansion.system}` };
        if (c.code === undefined || !expansion.test(c.code)) return { result: false, message: `${label(c)} is not in ${name}: expected ${expansion.format}` };
        return { result: true };
      }),
    );
  }
  const byKey = new Map<string, ExpansionEntry>();
  const byCode = new Map<string, ExpansionEntry[]>();
  for (const e of expansion.entries) {
    byKey.set(`${e.system}|${e.code}`, e);
    byCode.set(e.code, [...(byCode.get(e.code) ?? []), e]);
  }
  return combine(
    codings.map((c): CodeCheck => {
      if (c.code === undefined) return { result: false, message: `${label(c)} has no code` };
      let found: ExpansionEntry | undefined;
      if (c.system !== undefined) found = byKey.get(`${c.system}|${c.code}`);
      else {
        const candidates = byCode.get(c.code) ?? [];
        if (candidates.length > 1) return { result: false, message: `code "${c.code}" is in ${name} in several code systems (${candidates.map((e) => e.system).join(', ')}): give its system` };
        found = candidates[0];
      }
      if (!found) {
        const cs = c.system !== undefined ? env.codeSystem(c.system) : undefined;
        const unknown = cs && cs.content === 'complete' && !cs.concepts.has(c.code) ? `: code system ${cs.url} has no code "${c.code}"` : '';
        return { result: false, message: `${label(c)} is not in ${name}${unknown}` };
      }
      const versionProblem = c.version !== undefined ? versionMismatch(env.codeSystem(found.system), c.version) : undefined;
      if (versionProblem) return { result: false, message: versionProblem };
      return checkKnown(found, c, options);
    }),
  );
}

/** Checks codings against one code system (their system, when given, must be its URL). */
export function checkInCodeSystem(cs: LocalCodeSystem, codings: readonly CodeToCheck[], options: CheckOptions = {}): CodeCheck {
  return combine(
    codings.map((c): CodeCheck => {
      if (c.code === undefined) return { result: false, message: `${label(c)} has no code` };
      if (c.system !== undefined && c.system !== cs.url) return { result: false, message: `${label(c)} is not from code system ${cs.url}` };
      const versionProblem = c.version !== undefined ? versionMismatch(cs, c.version) : undefined;
      if (versionProblem) return { result: false, message: versionProblem };
      const concept = cs.concepts.get(c.code);
      if (!concept) {
        if (cs.content !== 'complete') {
          throw fail('invalid', 'not-supported', `code system ${cs.url} has content=${cs.content}: Relay cannot tell whether "${c.code}" is one of its codes`);
        }
        return { result: false, message: `code system ${cs.url} has no code "${c.code}"` };
      }
      return checkKnown({ system: cs.url, code: c.code, display: concept.display, designation: concept.designation, abstract: conceptStatus(concept).abstract }, c, options);
    }),
  );
}

/** The answer as the operations return it. */
export function checkParameters(check: CodeCheck): Parameters {
  const parameter: ParametersParameter[] = [{ name: 'result', valueBoolean: check.result }];
  if (check.message !== undefined) parameter.push({ name: 'message', valueString: check.message });
  if (check.display !== undefined) parameter.push({ name: 'display', valueString: check.display });
  return { resourceType: 'Parameters', parameter };
}

function checkKnown(known: Known, given: CodeToCheck, options: CheckOptions): CodeCheck {
  const out: CodeCheck = { result: true };
  if (known.display !== undefined) out.display = known.display;
  if (known.abstract && options.abstract === false) {
    return { ...out, result: false, message: `${known.system}#${known.code} is abstract (not selectable) and abstract codes were not allowed` };
  }
  if (given.display !== undefined && known.display !== undefined) {
    const wanted = normalise(given.display);
    const valid = [known.display, ...(known.designation ?? []).map((d) => d.value)];
    if (!valid.some((d) => normalise(d) === wanted)) {
      out.message = `display "${given.display}" is not a display of ${known.system}#${known.code}: expected "${known.display}"`;
    }
  }
  return out;
}

/** One coding's answer, or for several (a CodeableConcept) the first valid one's, else every reason. */
function combine(checks: CodeCheck[]): CodeCheck {
  const valid = checks.find((c) => c.result);
  if (valid) return valid;
  const messages = checks.map((c) => c.message).filter((m): m is string => m !== undefined);
  return { result: false, ...(messages.length ? { message: messages.join('; ') } : {}) };
}

function versionMismatch(cs: LocalCodeSystem | undefined, version: string): string | undefined {
  if (!cs?.version || cs.version === version) return undefined;
  return `version "${version}" of code system ${cs.url} is not known to Relay (it has version "${cs.version}")`;
}

function label(c: CodeToCheck): string {
  if (c.system !== undefined) return `${c.system}#${c.code ?? ''}`;
  return `code "${c.code ?? ''}"`;
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}
