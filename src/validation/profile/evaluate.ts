/**
 * Checks a resource (or a datatype value, for extension profiles) against a compiled profile: for
 * every element the profile constrains, its cardinality (also per slice, and closed slicing), fixed
 * and pattern values, required (error) and extensible (warning) bindings, the types and reference
 * targets it allows, the profiles its type points at (extensions), and its own FHIRPath invariants.
 * Every issue names the element by FHIRPath and the profile that asked for it.
 */
import type { Issue } from '../../fhir/outcome';
import { issue } from '../../fhir/outcome';
import { checkBinding } from '../bindings';
import { containedTypes } from '../resources';
import { referencedType, withArticle } from '../references';
import { PRIMITIVE_TYPES } from '../walk';
import type { CompiledProfile, ElementRule } from './compile';
import { checkInvariant } from './invariants';
import { equalsFixed, isRecord, matchesPattern, show } from './patterns';
import { assignSlices, type Located } from './slicing';

/** Finds a compiled profile by canonical URL (`url` or `url|version`); undefined when not known. */
export type ProfileLookup = (canonical: string) => CompiledProfile | undefined;

const CORE = 'http://hl7.org/fhir/StructureDefinition/';

interface Run {
  readonly root: unknown;
  readonly profile: CompiledProfile;
  readonly lookup: ProfileLookup;
  readonly contained: ReadonlyMap<string, string>;
  readonly issues: Issue[];
  /** Profiles being checked on the way down (an extension profile that nests itself stops here). */
  readonly depth: number;
}

/** Returns the issues of `value` (at FHIRPath `path`) against `profile` and the profiles it derives from. */
export function checkAgainstProfile(value: unknown, profile: CompiledProfile, lookup: ProfileLookup, path: string, root: unknown = value, depth = 0): Issue[] {
  const issues: Issue[] = [];
  const contained = isRecord(root) ? containedTypes(root) : new Map<string, string>();
  for (let p: CompiledProfile | undefined = profile, guard = 0; p && guard < 10; p = p.parentUrl ? lookup(p.parentUrl) : undefined, guard++) {
    const run: Run = { root, profile: p, lookup, contained, issues, depth };
    checkValue(run, p.root, { value, path, key: '' });
  }
  return issues;
}

function checkElement(run: Run, rule: ElementRule, items: readonly Located[], path: string, slice?: string): void {
  checkCardinality(run, rule, items.length, path, slice);
  for (const item of items) checkValue(run, rule, item);
  if (rule.slices.length === 0) return;
  const { bySlice, unmatched } = assignSlices(rule, items, (value, url) => conforms(run, value, url));
  for (const s of rule.slices) checkElement(run, s.rule, bySlice.get(s.name) ?? [], path, s.name);
  if (rule.slicing?.rules === 'closed') {
    for (const item of unmatched) {
      const names = rule.slices.map((s) => s.name).join(', ');
      report(run, 'error', 'structure', `${item.path} matches none of the slices of ${path} (${names}), and the slicing is closed`, item.path);
    }
  }
}

function checkCardinality(run: Run, rule: ElementRule, count: number, path: string, slice: string | undefined): void {
  const what = slice ? `${path} (slice "${slice}")` : path;
  if (rule.max === 0 && count > 0) {
    report(run, 'error', 'structure', `${what} must be absent, but ${count} ${count === 1 ? 'is' : 'are'} present`, path);
  } else if (rule.min !== undefined && count < rule.min) {
    report(run, 'error', 'required', `${what}: at least ${rule.min} required, but ${count === 0 ? 'none is' : `only ${count} ${count === 1 ? 'is' : 'are'}`} present`, path);
  } else if (rule.max !== undefined && count > rule.max) {
    report(run, 'error', 'structure', `${what}: at most ${rule.max} allowed, but ${count} are present`, path);
  }
}

function checkValue(run: Run, rule: ElementRule, item: Located): void {
  const { value, path } = item;
  if (rule.fixed && !equalsFixed(value, rule.fixed.value)) {
    report(run, 'error', 'value', `${path} must be exactly ${show(rule.fixed.value)}, but is ${show(value)}`, path);
  }
  if (rule.pattern && !matchesPattern(value, rule.pattern.value)) {
    report(run, 'error', 'value', `${path} must match the pattern ${show(rule.pattern.value)}, but is ${show(value)}`, path);
  }
  const type = item.type ?? rule.types[0]?.code;
  if (rule.binding && type) {
    const found: Issue[] = [];
    checkBinding(value, type, rule.binding, path, found);
    for (const f of found) report(run, f.severity as 'error' | 'warning', f.code, f.details?.text ?? '', path);
  }
  if (rule.restrictsTypes) checkTypes(run, rule, item, type);
  for (const invariant of rule.invariants) checkInvariant(invariant, value, run.root, path, run.profile.url, run.issues);
  if (!isRecord(value)) return;
  for (const child of rule.children) {
    const childPath = `${path}.${child.name}`;
    checkElement(run, child, valuesOf(value, child, childPath), childPath);
  }
}

/** The values of one element inside an object, array items one by one, choice types resolved. */
function valuesOf(obj: Record<string, unknown>, rule: ElementRule, path: string): Located[] {
  const out: Located[] = [];
  const add = (key: string, type: string | undefined, base: string) => {
    const v = obj[key];
    if (Array.isArray(v)) v.forEach((x, i) => out.push({ value: x, path: `${base}[${i}]`, type, key }));
    else if (v !== undefined && v !== null) out.push({ value: v, path: base, type, key });
  };
  if (!rule.choice) {
    add(rule.name, undefined, path);
    return out;
  }
  for (const key of Object.keys(obj)) {
    if (key.length <= rule.name.length || !key.startsWith(rule.name) || !/[A-Z]/.test(key.charAt(rule.name.length))) continue;
    const type = typeOfSuffix(key.slice(rule.name.length));
    add(key, type, `${path}.ofType(${type})`);
  }
  return out;
}

function typeOfSuffix(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVE_TYPES.has(lower) ? lower : suffix;
}

/** The types a profile allows on a choice element, the targets it allows for references, and type profiles. */
function checkTypes(run: Run, rule: ElementRule, item: Located, type: string | undefined): void {
  const allowed = rule.types.map((t) => t.code);
  if (item.type && !allowed.includes(item.type)) {
    report(run, 'error', 'structure', `${item.path}: type ${item.type} is not allowed here; the profile allows ${allowed.join(', ')}`, item.path);
    return;
  }
  const typeRule = rule.types.find((t) => t.code === type);
  if (type === 'Reference' && typeRule?.targetProfile?.length) checkTarget(run, item, typeRule.targetProfile);
  for (const url of typeRule?.profile ?? []) {
    const profile = run.lookup(url);
    if (!profile || run.depth > 5) continue;
    run.issues.push(...checkAgainstProfile(item.value, profile, run.lookup, item.path, run.root, run.depth + 1));
  }
}

function checkTarget(run: Run, item: Located, targetProfiles: readonly string[]): void {
  const ref = item.value;
  if (!isRecord(ref)) return;
  const allowed: string[] = [];
  for (const url of targetProfiles) {
    const type = url.startsWith(CORE) ? url.slice(CORE.length) : run.lookup(url)?.type;
    if (!type || type === 'Resource') return; // a target we cannot name, or any resource: nothing to judge
    allowed.push(type);
  }
  const found = typeof ref.type === 'string' ? ref.type : typeof ref.reference === 'string' ? referencedType(ref.reference, run.contained) : undefined;
  if (found && !allowed.includes(found)) {
    const text = `${item.path} refers to ${withArticle(found)}, but the profile requires ${allowed.length > 1 ? `one of ${allowed.join(', ')}` : withArticle(allowed[0])}`;
    report(run, 'error', 'structure', text, item.path);
  }
}

function conforms(run: Run, value: unknown, url: string): boolean {
  const profile = run.lookup(url);
  if (!profile || run.depth > 5) return false;
  return !checkAgainstProfile(value, profile, run.lookup, '', run.root, run.depth + 1).some((i) => i.severity === 'error');
}

function report(run: Run, severity: 'error' | 'warning', code: Issue['code'], text: string, path: string): void {
  run.issues.push(issue(severity, code, `${text} (profile ${run.profile.url})`, path));
}
