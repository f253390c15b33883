/**
 * Compiles a constraining StructureDefinition (R4 profiling.html) into a tree of element rules, once
 * per profile version. Only what the profile itself constrains is kept (the elements of its
 * differential, with the snapshot's view of them, plus their ancestors so the tree can be walked):
 * base R4 rules are already enforced by the base validation, so repeating them would duplicate
 * issues and time. A profile derived from another profile keeps its parent as `parent`.
 */
import type { ElementDefinition, ElementDefinitionSlicing, StructureDefinition } from '@medplum/fhirtypes';
import { compileInvariant, type Invariant } from './invariants';

/** One element of a profile, with the rules the profile sets on it. */
export interface ElementRule {
  /** ElementDefinition.id, e.g. `ServiceRequest.category:specialty.coding`. */
  readonly id: string;
  /** JSON name without `[x]` (`value` for `value[x]`). */
  readonly name: string;
  readonly choice: boolean;
  /** Whether the element repeats in the base definition (its JSON value is an array). */
  readonly isArray: boolean;
  /** Snapshot types (the choice's allowed types; the target profiles of references). */
  readonly types: readonly { code: string; profile?: string[]; targetProfile?: string[] }[];
  /** Cardinality set by the profile (absent when the profile leaves it as the base defines it). */
  readonly min?: number;
  readonly max?: number;
  /** Whether the profile restricts the types or reference targets of this element. */
  readonly restrictsTypes: boolean;
  readonly fixed?: { type: string; value: unknown };
  readonly pattern?: { type: string; value: unknown };
  readonly binding?: { strength: string; valueSet: string };
  readonly invariants: readonly Invariant[];
  readonly slicing?: ElementDefinitionSlicing;
  readonly children: ElementRule[];
  readonly slices: SliceRule[];
}

export interface SliceRule {
  readonly name: string;
  readonly rule: ElementRule;
}

export interface CompiledProfile {
  readonly url: string;
  readonly version?: string;
  /** The resource or datatype constrained (`ServiceRequest`, `Extension`). */
  readonly type: string;
  readonly root: ElementRule;
  /** The profile this one derives from, when that is a profile and not a base type. */
  readonly parentUrl?: string;
  /** Every other profile this one needs: its parent and the profiles its element types name (extensions). */
  readonly dependencies: readonly string[];
}

const CORE = 'http://hl7.org/fhir/StructureDefinition/';

/** Builds the rule tree of a profile; throws when it has no snapshot (callers report that). */
export function compileProfile(sd: StructureDefinition): CompiledProfile {
  const snapshot = sd.snapshot?.element;
  if (!snapshot?.length) throw new Error(`StructureDefinition ${sd.url} has no snapshot`);
  const constrained = new Map<string, ElementDefinition>();
  for (const e of sd.differential?.element ?? []) if (e.id ?? e.path) constrained.set((e.id ?? e.path) as string, e);
  const keep = new Set<string>();
  for (const id of constrained.keys()) for (let p: string | undefined = id; p; p = parentId(p)) keep.add(p);
  const nodes = new Map<string, Mutable<ElementRule>>();
  let root: Mutable<ElementRule> | undefined;
  for (const element of snapshot) {
    const id = element.id ?? element.path;
    if (!keep.has(id)) continue;
    const node = toRule(element, constrained.get(id), sd.url as string);
    nodes.set(id, node);
    const parent = parentId(id);
    if (!parent) {
      root = node;
      continue;
    }
    const owner = nodes.get(parent);
    if (!owner) continue;
    const slice = sliceNameOf(id);
    if (slice !== undefined && slice.parentId === parent) owner.slices.push({ name: slice.name, rule: node });
    else owner.children.push(node);
  }
  if (!root) throw new Error(`StructureDefinition ${sd.url} has no root element`);
  const base = sd.baseDefinition;
  const parentUrl = base && !base.startsWith(CORE) ? base : undefined;
  const dependencies = new Set<string>(parentUrl ? [parentUrl] : []);
  for (const node of nodes.values()) for (const t of node.types) for (const p of t.profile ?? []) dependencies.add(p);
  return {
    url: sd.url as string,
    version: sd.version,
    type: sd.type as string,
    root,
    parentUrl,
    dependencies: [...dependencies],
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function toRule(element: ElementDefinition, diff: ElementDefinition | undefined, url: string): Mutable<ElementRule> {
  const last = lastSegment(element.id ?? element.path);
  const name = last.replace(/:.*$/, '');
  const choice = name.endsWith('[x]');
  const rule: Mutable<ElementRule> = {
    id: element.id ?? element.path,
    name: choice ? name.slice(0, -3) : name,
    choice,
    isArray: (element.base?.max ?? element.max) !== '1' && (element.base?.max ?? element.max) !== '0' && parentId(element.id ?? element.path) !== undefined,
    types: (element.type ?? []).map((t) => ({ code: t.code as string, profile: t.profile, targetProfile: t.targetProfile })),
    restrictsTypes: diff?.type !== undefined,
    invariants: [],
    children: [],
    slices: [],
  };
  if (!diff) return rule;
  if (diff.min !== undefined || diff.sliceName !== undefined) rule.min = element.min;
  if (diff.max !== undefined || diff.sliceName !== undefined) rule.max = element.max === '*' || element.max === undefined ? Infinity : Number(element.max);
  rule.fixed = choiceValue(element as unknown as Record<string, unknown>, 'fixed');
  rule.pattern = choiceValue(element as unknown as Record<string, unknown>, 'pattern');
  if (diff.binding?.valueSet && element.binding?.valueSet) rule.binding = { strength: element.binding.strength as string, valueSet: element.binding.valueSet };
  if (element.slicing && diff.slicing) rule.slicing = element.slicing;
  // Only invariants introduced by this profile: the base ones already ran.
  const ownKeys = new Set((diff.constraint ?? []).map((c) => c.key));
  rule.invariants = (element.constraint ?? []).filter((c) => ownKeys.has(c.key) && (!c.source || c.source === url || !c.source.startsWith(CORE))).map((c) => compileInvariant(c, element.path));
  return rule;
}

/** The `fixed[x]` or `pattern[x]` value of an element, with its type. */
function choiceValue(element: Record<string, unknown>, prefix: 'fixed' | 'pattern'): { type: string; value: unknown } | undefined {
  for (const key in element) {
    if (key.startsWith(prefix) && key.length > prefix.length && /[A-Z]/.test(key.charAt(prefix.length))) {
      const type = key.slice(prefix.length);
      return { type: /^[A-Z][a-z]/.test(type) && isPrimitiveName(type) ? type.charAt(0).toLowerCase() + type.slice(1) : type, value: element[key] };
    }
  }
  return undefined;
}

const PRIMITIVE_NAMES = new Set(['Base64Binary', 'Boolean', 'Canonical', 'Code', 'Date', 'DateTime', 'Decimal', 'Id', 'Instant', 'Integer', 'Markdown', 'Oid', 'PositiveInt', 'String', 'Time', 'UnsignedInt', 'Uri', 'Url', 'Uuid']);
function isPrimitiveName(type: string): boolean {
  return PRIMITIVE_NAMES.has(type);
}

/** Splits an element id into segments; a segment may carry `:sliceName` (slice names hold no dots here). */
function segments(id: string): string[] {
  return id.split('.');
}

function lastSegment(id: string): string {
  const parts = segments(id);
  return parts[parts.length - 1];
}

/** The id of the element one level up: `A.b:s.c` → `A.b:s`, `A.b:s` → `A.b` (the sliced element). */
function parentId(id: string): string | undefined {
  const parts = segments(id);
  const last = parts[parts.length - 1];
  if (last.includes(':')) {
    const withoutSlice = last.slice(0, last.lastIndexOf(':'));
    if (withoutSlice) return [...parts.slice(0, -1), withoutSlice].join('.');
  }
  return parts.length > 1 ? parts.slice(0, -1).join('.') : undefined;
}

function sliceNameOf(id: string): { name: string; parentId: string } | undefined {
  const last = lastSegment(id);
  const colon = last.lastIndexOf(':');
  if (colon < 0) return undefined;
  return { name: last.slice(colon + 1), parentId: parentId(id) as string };
}
