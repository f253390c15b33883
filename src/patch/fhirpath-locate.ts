/**
 * Where a FHIRPath Patch path points: each result of evaluating the path (fhirpath.js, R4 model,
 * internal nodes kept) is traced back through its parents to a JSON object, key and list index in
 * the resource being patched, so an operation can change exactly that place. A result that is not
 * an element of the resource (a literal, a computed value) cannot be patched and is refused.
 */
import { evaluate, type Model } from 'fhirpath';
import * as r4 from 'fhirpath/fhir-context/r4';
import { fail, invalid } from '../fhir/outcome';
import { PRIMITIVE_TYPES, propertiesOf, type PropertyInfo } from '../validation/walk';
import { isObject } from './fhirpath-values';

const MODEL = r4 as unknown as Model;

/** An element of the resource being patched. */
export interface Located {
  /** FHIR type of the value: a resource type for the resource itself and for contained resources. */
  type: string;
  value: unknown;
  /** Where the value sits; absent for the resource itself. */
  slot?: Slot;
}

/** The place of an element: property `key` of `holder` (item `index` when the property is a list). */
export interface Slot {
  parent: Located;
  holder: Record<string, unknown>;
  /** The type `holder` is of (`Element` for the id/extension holder of a primitive). */
  holderType: string;
  /** The JSON key, with a choice element's type suffix (`valueQuantity`). */
  key: string;
  index?: number;
  info: PropertyInfo;
}

interface Node {
  parentResNode: Node | null;
  propName?: string | null;
  index?: number | null;
  data: unknown;
}

/** Evaluates `path` on `resource` and locates every result; `at` is the path part's expression (for errors). */
export function select(resource: Record<string, unknown>, path: string, at: string): Located[] {
  let results: unknown[];
  try {
    results = evaluate(resource, path, {}, MODEL, { resolveInternalTypes: false, traceFn: () => undefined });
  } catch (err) {
    throw invalid(`the path ${JSON.stringify(path)} is not a FHIRPath expression Relay can evaluate: ${(err as Error).message}`, at);
  }
  const root: Located = { type: resource.resourceType as string, value: resource };
  return results.map((result) => {
    const located = isNode(result) ? locate(result, root) : undefined;
    if (!located) throw invalid(`the path ${JSON.stringify(path)} selects ${JSON.stringify(result)}, which is not an element of the ${root.type} being patched`, at);
    return located;
  });
}

function locate(node: Node, root: Located): Located | undefined {
  if (node.propName === null || node.propName === undefined) return node.data === root.value ? root : undefined;
  const parent = node.parentResNode ? locate(node.parentResNode, root) : root;
  if (!parent) return undefined;
  const holder = childHolder(parent, false);
  if (!holder) return undefined;
  const holderType = PRIMITIVE_TYPES.has(parent.type) ? 'Element' : parent.type;
  const found = keyOf(holder, holderType, node.propName);
  if (!found) return undefined;
  const raw = holder[found.key];
  const index = Array.isArray(raw) ? node.index : undefined;
  if (Array.isArray(raw) && (index === null || index === undefined || index >= raw.length)) return undefined;
  const value = Array.isArray(raw) ? raw[index as number] : raw;
  const type = found.info.type === 'Resource' && isObject(value) ? String(value.resourceType) : found.info.type;
  return { type, value, slot: { parent, holder, holderType, key: found.key, index: index ?? undefined, info: found.info } };
}

/** The JSON key under which `holder` has the element fhirpath.js calls `propName` (`deceased` → `deceasedBoolean`). */
function keyOf(holder: Record<string, unknown>, holderType: string, propName: string): { key: string; info: PropertyInfo } | undefined {
  const props = propertiesOf(holderType);
  const exact = props.get(propName);
  if (exact && Object.hasOwn(holder, propName)) return { key: propName, info: exact };
  for (const [key, info] of props) if (info.choice && info.name === propName && Object.hasOwn(holder, key)) return { key, info };
  return undefined;
}

/**
 * The JSON object holding the children of `located`: the value itself for a complex element, or the
 * `_name` object beside a primitive (its id and extensions), made when `create` is set.
 */
export function childHolder(located: Located, create: boolean): Record<string, unknown> | undefined {
  if (isObject(located.value)) return located.value;
  if (!PRIMITIVE_TYPES.has(located.type) || !located.slot) return undefined;
  const { holder, key, index } = located.slot;
  const shadowKey = `_${key}`;
  if (index === undefined) {
    if (!isObject(holder[shadowKey])) {
      if (!create) return undefined;
      holder[shadowKey] = {};
    }
    return holder[shadowKey] as Record<string, unknown>;
  }
  const length = (holder[key] as unknown[]).length;
  let shadow = holder[shadowKey];
  if (!Array.isArray(shadow)) {
    if (!create) return undefined;
    shadow = holder[shadowKey] = new Array(length).fill(null);
  }
  const list = shadow as unknown[];
  if (!isObject(list[index])) {
    if (!create) return undefined;
    while (list.length < length) list.push(null);
    list[index] = {};
  }
  return list[index] as Record<string, unknown>;
}

function isNode(value: unknown): value is Node {
  return isObject(value) && 'parentResNode' in value && 'data' in value;
}

/** 422: the path's results do not fit the operation (none, several, not a list). */
export function unprocessable(text: string, at: string) {
  return fail('unprocessable', 'processing', text, at);
}
