/**
 * FHIRPath Patch (R4 fhirpatch.html): applies the operations of a Parameters body in order to a copy
 * of the resource. add, replace and a found delete need the path to select exactly one element;
 * insert and move take the path of a whole list. A path that selects nothing (except for delete),
 * several elements where one is needed, an index outside the list, or an element that is already
 * present for add is a 422; a malformed document or a value of the wrong type a 400.
 */
import type { Resource } from '@medplum/fhirtypes';
import { invalid } from '../fhir/outcome';
import { propertiesOf, PRIMITIVE_TYPES, type PropertyInfo } from '../validation/walk';
import { loadR4Definitions } from '../validation/definitions';
import { parseFhirPathPatch, type FhirPathPatchOperation } from './fhirpath-operations';
import { childHolder, select, unprocessable, type Located, type Slot } from './fhirpath-locate';
import { findProperty, isObject, materialise } from './fhirpath-values';

/** Applies a FHIRPath Patch (a Parameters resource) to a copy of `resource` and returns the copy. */
export function applyFhirPathPatch(resource: Resource, body: unknown): Resource {
  loadR4Definitions();
  const operations = parseFhirPathPatch(body);
  const doc = structuredClone(resource) as unknown as Record<string, unknown>;
  for (const op of operations) applyOperation(doc, op);
  return doc as unknown as Resource;
}

function applyOperation(doc: Record<string, unknown>, op: FhirPathPatchOperation): void {
  switch (op.type) {
    case 'add':
      return add(doc, op);
    case 'insert':
      return insert(doc, op);
    case 'delete':
      return remove(doc, op);
    case 'replace':
      return replace(doc, op);
    case 'move':
      return move(doc, op);
    default:
      return exhaustive(op);
  }
}

type Op<T extends FhirPathPatchOperation['type']> = Extract<FhirPathPatchOperation, { type: T }>;

/** add: a new child `name` of the one element the path selects (appended when the child is a list). */
function add(doc: Record<string, unknown>, op: Op<'add'>): void {
  const target = single(doc, op);
  const holderType = PRIMITIVE_TYPES.has(target.type) ? 'Element' : target.type;
  const info = findProperty(holderType, op.name);
  if (!info) throw invalid(`${holderType} has no element "${op.name}"`, op.source.parts.name);
  const { key, json } = materialise(op.value, info, holderType);
  const holder = childHolder(target, true);
  if (!holder) throw unprocessable(`${op.path} selects a ${target.type}, which cannot have a child "${op.name}"`, op.source.parts.path as string);
  if (info.isArray) {
    insertAt(holder, key, listOf(holder, key).length, json);
    return;
  }
  const present = Object.keys(holder).find((k) => !k.startsWith('_') && propertiesOf(holderType).get(k)?.name === info.name);
  if (present !== undefined) {
    throw unprocessable(`${op.path} already has ${info.name}; add only sets an absent single element (use replace)`, op.source.parts.name as string);
  }
  holder[key] = json;
}

/** insert: `value` into the list the path selects, at `index` (0 to the list's length). */
function insert(doc: Record<string, unknown>, op: Op<'insert'>): void {
  const list = wholeList(doc, op, true);
  if (op.index > list.length) throw unprocessable(`index ${op.index} is outside ${op.path}, which has ${list.length} item(s)`, op.source.parts.index as string);
  const { key, json } = materialise(op.value, list.info, list.holderType);
  insertAt(list.holder, key, op.index, json);
}

/** delete: the one element the path selects; nothing when it selects none. */
function remove(doc: Record<string, unknown>, op: Op<'delete'>): void {
  const found = select(doc, op.path, op.source.parts.path as string);
  if (found.length === 0) return;
  if (found.length > 1) throw unprocessable(`${op.path} selects ${found.length} elements; delete removes one`, op.source.parts.path as string);
  const { slot } = found[0];
  if (!slot) throw invalid(`${op.path} is the resource itself, which a patch cannot delete`, op.source.parts.path);
  removeSlot(slot);
}

/** replace: the one element the path selects, by `value` (a choice element may change its type). */
function replace(doc: Record<string, unknown>, op: Op<'replace'>): void {
  const { slot } = single(doc, op);
  if (!slot) throw invalid(`${op.path} is the resource itself; replace it with PUT`, op.source.parts.path);
  const { key, json } = materialise(op.value, slot.info, slot.holderType);
  const { holder, index } = slot;
  if (index !== undefined) {
    (holder[slot.key] as unknown[])[index] = json;
    const shadow = holder[`_${slot.key}`];
    if (Array.isArray(shadow)) shadow[index] = null;
    tidyShadow(holder, slot.key);
    return;
  }
  delete holder[slot.key];
  delete holder[`_${slot.key}`];
  holder[key] = json;
}

/** move: within the list the path selects, the item at `source` to `destination`. */
function move(doc: Record<string, unknown>, op: Op<'move'>): void {
  const list = wholeList(doc, op, false);
  for (const [index, part] of [[op.from, 'source'], [op.to, 'destination']] as const) {
    if (index >= list.length) throw unprocessable(`${part} ${index} is outside ${op.path}, which has ${list.length} item(s)`, op.source.parts[part] as string);
  }
  const items = list.holder[list.key] as unknown[];
  const [item] = items.splice(op.from, 1);
  items.splice(op.to, 0, item);
  const shadow = list.holder[`_${list.key}`];
  if (Array.isArray(shadow)) {
    while (shadow.length < items.length) shadow.push(null);
    const [extra] = shadow.splice(op.from, 1);
    shadow.splice(op.to, 0, extra);
  }
}

/** The one element the path selects; 422 for none or several. */
function single(doc: Record<string, unknown>, op: Op<'add' | 'replace'>): Located {
  const at = op.source.parts.path as string;
  const found = select(doc, op.path, at);
  if (found.length !== 1) throw unprocessable(`${op.path} selects ${found.length === 0 ? 'nothing' : `${found.length} elements`}; ${op.type} needs exactly one`, at);
  return found[0];
}

interface List {
  holder: Record<string, unknown>;
  holderType: string;
  key: string;
  info: PropertyInfo;
  length: number;
}

/**
 * The list the path selects, which must be every item of one list element. An empty list selects
 * nothing: for insert, a path `X.name` then means the (absent) list `name` of the one element `X`.
 */
function wholeList(doc: Record<string, unknown>, op: Op<'insert' | 'move'>, mayBeEmpty: boolean): List {
  const at = op.source.parts.path as string;
  const found = select(doc, op.path, at);
  if (found.length === 0) {
    const empty = mayBeEmpty ? emptyList(doc, op.path, at) : undefined;
    if (!empty) throw unprocessable(`${op.path} selects nothing; ${op.type} needs the path of a list`, at);
    return empty;
  }
  const slot = found[0].slot;
  const same = (s: Slot | undefined) => s !== undefined && s.index !== undefined && s.holder === slot?.holder && s.key === slot.key;
  if (!slot || !found.every((l) => same(l.slot))) throw unprocessable(`${op.path} does not select the items of one list; ${op.type} needs the path of a list`, at);
  const length = (slot.holder[slot.key] as unknown[]).length;
  if (found.length !== length) throw unprocessable(`${op.path} selects ${found.length} of the ${length} items of its list; ${op.type} needs the whole list`, at);
  return { holder: slot.holder, holderType: slot.holderType, key: slot.key, info: slot.info, length };
}

function emptyList(doc: Record<string, unknown>, path: string, at: string): List | undefined {
  const m = /^(.+)\.([A-Za-z][A-Za-z0-9]*)$/.exec(path.trim());
  if (!m) return undefined;
  let owners: Located[];
  try {
    owners = select(doc, m[1], at);
  } catch {
    return undefined;
  }
  if (owners.length !== 1) return undefined;
  const holderType = PRIMITIVE_TYPES.has(owners[0].type) ? 'Element' : owners[0].type;
  const info = propertiesOf(holderType).get(m[2]);
  if (!info?.isArray) return undefined;
  const holder = childHolder(owners[0], true);
  return holder ? { holder, holderType, key: m[2], info, length: 0 } : undefined;
}

function listOf(holder: Record<string, unknown>, key: string): unknown[] {
  const list = holder[key];
  return Array.isArray(list) ? list : [];
}

/** Inserts into list `key`, keeping a primitive list's `_key` companion aligned. */
function insertAt(holder: Record<string, unknown>, key: string, index: number, value: unknown): void {
  const list = listOf(holder, key);
  list.splice(index, 0, value);
  holder[key] = list;
  const shadow = holder[`_${key}`];
  if (Array.isArray(shadow)) {
    while (shadow.length < index) shadow.push(null);
    shadow.splice(index, 0, null);
  }
}

/** Removes an element and then any object or list left empty by it (FHIR JSON has no empty ones). */
function removeSlot(slot: Slot): void {
  const { holder, key, index } = slot;
  if (index === undefined) {
    delete holder[key];
    delete holder[`_${key}`];
  } else {
    (holder[key] as unknown[]).splice(index, 1);
    const shadow = holder[`_${key}`];
    if (Array.isArray(shadow)) shadow.splice(index, 1);
    if ((holder[key] as unknown[]).length === 0) delete holder[key];
    tidyShadow(holder, key);
  }
  if (Object.keys(holder).length > 0 || !slot.parent.slot) return;
  if (holder === slot.parent.value) {
    removeSlot(slot.parent.slot);
  } else {
    // The emptied holder is the `_name` companion of a primitive.
    const owner = slot.parent.slot;
    const shadow = owner.holder[`_${owner.key}`];
    if (Array.isArray(shadow) && owner.index !== undefined) shadow[owner.index] = null;
    else delete owner.holder[`_${owner.key}`];
    tidyShadow(owner.holder, owner.key);
  }
}

/** Drops a primitive list's `_key` companion once it holds nothing but nulls. */
function tidyShadow(holder: Record<string, unknown>, key: string): void {
  const shadow = holder[`_${key}`];
  if (Array.isArray(shadow) && (!Array.isArray(holder[key]) || shadow.every((s) => s === null || (isObject(s) && Object.keys(s).length === 0)))) {
    delete holder[`_${key}`];
  }
}

function exhaustive(value: never): never {
  throw new Error(`unhandled FHIRPath Patch operation ${JSON.stringify(value)}`);
}
