/**
 * ValueSet bindings (FHIR R4 terminologies.html#strength). Required: a `code` must be in the value
 * set; a Coding must come from it (its system included by the value set, or, without a system, its
 * code one of the value set's codes); a CodeableConcept needs at least one such coding, so a
 * CodeableConcept with only text fails a required binding (as the HL7 validator reports it); each
 * failure is an error. Extensible: the same test on the codes given, reported as a warning, and a
 * CodeableConcept with text only is accepted. Preferred and example bindings are not checked.
 * Value sets that cannot be expanded locally are skipped; see valuesets.ts.
 */
import type { Coding } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/outcome';
import { issue } from '../fhir/outcome';
import type { Expansion } from './valuesets';
import { expandValueSet } from './valuesets';
import type { PropertyInfo } from './walk';

const MAX_LISTED_CODES = 12;

/** Codes an element's R4 definition allows besides its required value set. */
const ALSO_ALLOWED: Record<string, ReadonlySet<string>> = {
  // R4 comment on CapabilityStatement.format: "'xml', 'json' and 'ttl' are allowed ... Otherwise, mime types are legal here."
  'CapabilityStatement.format': new Set(['xml', 'json', 'ttl']),
};

/** A binding as the checks need it. */
export interface Binding {
  readonly strength: string;
  readonly valueSet: string;
}

/** Appends an issue when a value of a base R4 element is not in the value set its binding requires (or, extensible, suggests). */
export function checkElementBinding(value: unknown, info: PropertyInfo, path: string, issues: Issue[]): void {
  const binding = info.binding;
  if (!binding?.valueSet || (binding.strength !== 'required' && binding.strength !== 'extensible')) return;
  if (info.type === 'code' && typeof value === 'string' && ALSO_ALLOWED[info.element.path]?.has(value)) return;
  checkBinding(value, info.type, binding as Binding, path, issues);
}

/** Appends an issue when a `code`, Coding or CodeableConcept value does not meet a required (error) or extensible (warning) binding. */
export function checkBinding(value: unknown, type: string, binding: Binding, path: string, issues: Issue[]): void {
  const severity = binding.strength === 'required' ? 'error' : binding.strength === 'extensible' ? 'warning' : undefined;
  if (!severity) return;
  const found: Issue[] = [];
  switch (type) {
    case 'code':
      if (typeof value === 'string') checkCode(value, expandValueSet(binding.valueSet), path, found);
      break;
    case 'Coding':
      if (isObject(value)) checkCodings([value as Coding], false, expandValueSet(binding.valueSet), path, found);
      break;
    case 'CodeableConcept':
      // Extensible: text alone is allowed when no code applies.
      if (isObject(value) && (severity === 'error' || codingsOf(value).length > 0)) checkCodings(codingsOf(value), true, expandValueSet(binding.valueSet), path, found);
      break;
    default:
      return; // bindings on string, uri or Quantity are not checked (none is required in base R4)
  }
  for (const f of found) {
    if (severity === 'warning') {
      f.severity = 'warning';
      const text = (f.details?.text ?? '').replace('the required value set', 'the extensible value set') + '; use a code from it when one applies';
      f.details = { text };
      f.diagnostics = text;
    }
    issues.push(f);
  }
}

function checkCode(code: string, expansion: Expansion, path: string, issues: Issue[]): void {
  if (expansion.kind === 'unchecked') return;
  if (expansion.kind === 'syntax') {
    if (!expansion.test(code)) {
      issues.push(invalid(`Value "${code}" of ${path} is not ${expansion.format}, as required by the value set ${expansion.url}`, path));
    }
    return;
  }
  if (!expansion.codes.has(code)) {
    issues.push(invalid(`Value "${code}" of ${path} is not in the required value set ${expansion.url}${allowed(expansion)}`, path));
  }
}

function checkCodings(codings: Coding[], concept: boolean, expansion: Expansion, path: string, issues: Issue[]): void {
  if (expansion.kind === 'unchecked') return;
  if (codings.some((c) => inExpansion(c, expansion))) return;
  if (codings.length === 0) {
    issues.push(invalid(`${path} has no coding, but a code from the required value set ${expansion.url} is needed${allowed(expansion)}`, path));
    return;
  }
  const found = codings.map((c) => `${c.system ?? '(no system)'}#${c.code ?? '(no code)'}`).join(', ');
  const what = concept ? `None of the codings of ${path} (${found}) is` : `Coding ${found} of ${path} is not`;
  issues.push(invalid(`${what} in the required value set ${expansion.url}${allowed(expansion)}`, path));
}

function inExpansion(coding: Coding, expansion: Exclude<Expansion, { kind: 'unchecked' }>): boolean {
  const { system, code } = coding;
  if (typeof code !== 'string') return false;
  if (expansion.kind === 'syntax') return (system === undefined || system === expansion.system) && expansion.test(code);
  return typeof system === 'string' ? expansion.pairs.has(`${system}|${code}`) : expansion.codes.has(code);
}

function allowed(expansion: Expansion): string {
  if (expansion.kind !== 'codes' || expansion.codes.size > MAX_LISTED_CODES) return '';
  return ` (allowed: ${[...expansion.codes].join(', ')})`;
}

function codingsOf(concept: Record<string, unknown>): Coding[] {
  const coding = concept.coding;
  return Array.isArray(coding) ? coding.filter(isObject) : [];
}

function invalid(text: string, path: string): Issue {
  return issue('error', 'code-invalid', text, path);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
