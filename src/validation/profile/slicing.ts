/**
 * Slice assignment (R4 profiling.html#slicing): each item of a sliced element is assigned to the
 * first slice whose discriminators all match it. Discriminators of type value, pattern, exists, type
 * and profile are understood; the discriminating value is read from the slice's own fixed or pattern
 * value at the discriminator path or, when the profile states it on the slice's children (as SUSHI
 * does for `category[specialty].coding.system = ...`), assembled from those. An extension slice
 * whose `url` is not fixed is recognised by the extension profile of its type (the gap
 * toolchain.md notes in @medplum/core).
 */
import type { ElementRule, SliceRule } from './compile';
import { checkBinding, type Binding } from '../bindings';
import { equalsFixed, isRecord, matchesPattern } from './patterns';

/** One value found in the instance: its JSON value, its FHIRPath and, for choice elements, its type. */
export interface Located {
  readonly value: unknown;
  readonly path: string;
  readonly type?: string;
  /** The JSON property it came from (`valueCoding`), for type slices of choice elements. */
  readonly key: string;
}

export interface SliceAssignment {
  readonly bySlice: Map<string, Located[]>;
  readonly unmatched: Located[];
}

/** Decides whether a value conforms to a profile (for `profile` discriminators). */
export type ConformsTo = (value: unknown, profileUrl: string) => boolean;

/** Assigns each item to a slice of `rule`. */
export function assignSlices(rule: ElementRule, items: readonly Located[], conformsTo: ConformsTo): SliceAssignment {
  const bySlice = new Map<string, Located[]>(rule.slices.map((s) => [s.name, []]));
  const unmatched: Located[] = [];
  for (const item of items) {
    const slice = rule.slices.find((s) => sliceMatches(rule, s, item, conformsTo));
    if (slice) bySlice.get(slice.name)?.push(item);
    else unmatched.push(item);
  }
  return { bySlice, unmatched };
}

function sliceMatches(rule: ElementRule, slice: SliceRule, item: Located, conformsTo: ConformsTo): boolean {
  if (rule.choice && slice.name.startsWith(rule.name)) return item.key === slice.name;
  const discriminators = rule.slicing?.discriminator ?? (rule.name === 'extension' || rule.name === 'modifierExtension' ? [{ type: 'value', path: 'url' }] : []);
  if (discriminators.length === 0) return false;
  return discriminators.every((d) => discriminatorMatches(d.type as string, d.path as string, slice.rule, item, conformsTo));
}

function discriminatorMatches(type: string, path: string, slice: ElementRule, item: Located, conformsTo: ConformsTo): boolean {
  const values = valuesAt(item.value, path);
  switch (type) {
    case 'value':
    case 'pattern': {
      const expected = discriminatingValue(slice, path);
      if (expected) return values.some((v) => (expected.exact ? equalsFixed(v, expected.value) : matchesPattern(v, expected.value)));
      // No value stated: a required binding on the element is the discriminator (R4 profiling.html#discriminator).
      const node = ruleAt(slice, path);
      const binding = node?.binding?.strength === 'required' ? node.binding : undefined;
      const type = node?.types[0]?.code;
      return binding !== undefined && type !== undefined && values.some((v) => inBinding(v, type, binding));
    }
    case 'exists': {
      const node = ruleAt(slice, path);
      if (!node) return false;
      return node.max === 0 ? values.length === 0 : (node.min ?? 0) > 0 ? values.length > 0 : true;
    }
    case 'type': {
      const allowed = (ruleAt(slice, path) ?? slice).types.map((t) => t.code);
      const actual = item.type ?? (isRecord(item.value) && typeof item.value.resourceType === 'string' ? item.value.resourceType : undefined);
      return actual !== undefined && allowed.includes(actual);
    }
    case 'profile': {
      const profiles = (ruleAt(slice, path) ?? slice).types.flatMap((t) => t.profile ?? []);
      return values.length > 0 && profiles.length > 0 && values.every((v) => profiles.some((p) => conformsTo(v, p)));
    }
    default:
      return false;
  }
}

function inBinding(value: unknown, type: string, binding: Binding): boolean {
  const issues: Parameters<typeof checkBinding>[4] = [];
  checkBinding(value, type, binding, '', issues);
  return issues.length === 0;
}

/** The value a slice requires at `path`: fixed (exact) or pattern, stated on the node or its children. */
function discriminatingValue(slice: ElementRule, path: string): { value: unknown; exact: boolean } | undefined {
  const node = ruleAt(slice, path);
  if (!node) {
    if (path === 'url') {
      const profile = slice.types.find((t) => t.code === 'Extension')?.profile?.[0];
      if (profile) return { value: profile, exact: true };
    }
    return undefined;
  }
  if (node.fixed) return { value: node.fixed.value, exact: true };
  if (node.pattern) return { value: node.pattern.value, exact: false };
  const assembled = assemble(node);
  return assembled === undefined ? undefined : { value: assembled, exact: false };
}

/** A pattern built from the fixed/pattern values a profile states on an element's descendants. */
function assemble(node: ElementRule): unknown {
  if (node.fixed) return node.fixed.value;
  if (node.pattern) return node.pattern.value;
  const out: Record<string, unknown> = {};
  for (const child of node.children) {
    const value = assemble(child);
    if (value === undefined) continue;
    out[child.name] = child.isArray ? [value] : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The rule at a discriminator path below a slice (`$this`, `system`, `coding.system`). */
function ruleAt(slice: ElementRule, path: string): ElementRule | undefined {
  if (path === '$this') return slice;
  let node: ElementRule | undefined = slice;
  for (const name of path.split('.')) {
    node = node?.children.find((c) => c.name === name);
    if (!node) return undefined;
  }
  return node;
}

/** The values at a simple dotted path inside an item (arrays flattened). */
function valuesAt(value: unknown, path: string): unknown[] {
  if (path === '$this') return [value];
  let current: unknown[] = [value];
  for (const name of path.split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      if (!isRecord(v)) continue;
      const child = v[name];
      if (Array.isArray(child)) next.push(...child);
      else if (child !== undefined) next.push(child);
    }
    current = next;
  }
  return current;
}
