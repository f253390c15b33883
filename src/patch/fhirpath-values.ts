/**
 * The `value` of a FHIRPath Patch operation (R4 fhirpatch.html): a `value[x]` of any datatype, a
 * `resource`, or, for types that cannot be a parameter value (backbone elements such as
 * Patient.contact, or any complex type), nested `part`s named after the element's children. Turned
 * here into the JSON to store, under the JSON key the target element uses (`valueQuantity` for
 * Observation.value), after checking the type fits the element.
 */
import { invalid } from '../fhir/outcome';
import { PRIMITIVE_TYPES, propertiesOf, type PropertyInfo } from '../validation/walk';

/** A decoded `value` part; `expression` points at it inside the Parameters body (for errors). */
export type PatchValue =
  | { kind: 'typed'; type: string; json: unknown; expression: string }
  | { kind: 'parts'; parts: readonly unknown[]; expression: string };

/** The value a part carries: its single `value[x]`, its `resource`, or its nested `part`s. */
export function valueOfPart(part: Record<string, unknown>, expression: string): PatchValue {
  const keys = Object.keys(part).filter((k) => (k.startsWith('value') && k.length > 5) || k === 'resource' || k === 'part');
  if (keys.length !== 1) {
    const found = keys.length ? `has ${keys.join(' and ')}` : 'has none';
    throw invalid(`a FHIRPath Patch value needs exactly one of value[x], resource or part; this one ${found}`, expression);
  }
  const key = keys[0];
  const json = part[key];
  if (key === 'part') {
    if (!Array.isArray(json) || json.length === 0) throw invalid('"part" must be a non-empty array of parts', expression);
    return { kind: 'parts', parts: json, expression };
  }
  if (key === 'resource') {
    if (!isObject(json) || typeof json.resourceType !== 'string') throw invalid('"resource" must be a FHIR resource', expression);
    return { kind: 'typed', type: 'Resource', json, expression };
  }
  if (json === null || json === undefined) throw invalid(`${key} has no value`, expression);
  return { kind: 'typed', type: typeOfSuffix(key.slice(5)), json, expression };
}

/** The property `name` of `holderType`: an exact JSON key (`birthDate`, `deceasedBoolean`) or a choice element's name (`deceased`). */
export function findProperty(holderType: string, name: string): PropertyInfo | undefined {
  const props = propertiesOf(holderType);
  const exact = props.get(name);
  if (exact) return exact;
  for (const info of props.values()) if (info.choice && info.name === name) return info;
  return undefined;
}

/**
 * The JSON key and value to store for `value` in element `target` of `holderType`. A choice element
 * takes its key from the value's type; nested parts build the element's children. Throws 400 when
 * the value's type cannot go there.
 */
export function materialise(value: PatchValue, target: PropertyInfo, holderType: string): { key: string; json: unknown } {
  const where = `${holderType}.${target.name}`;
  if (value.kind === 'parts') {
    if (target.choice) throw invalid(`${where}[x] has several types: give the value as value[x] so that its type is known`, value.expression);
    if (PRIMITIVE_TYPES.has(target.type)) throw invalid(`${where} is a ${target.type}: give it as value[x], not as parts`, value.expression);
    return { key: target.name, json: fromParts(value.parts, target.type, value.expression) };
  }
  if (target.choice) {
    const key = target.name + value.type.charAt(0).toUpperCase() + value.type.slice(1);
    if (!propertiesOf(holderType).get(key)) throw invalid(`${where}[x] does not take a ${value.type}`, value.expression);
    return { key, json: structuredClone(value.json) };
  }
  if (!fits(value.type, target.type)) throw invalid(`${where} takes a ${target.type}, not a ${value.type}`, value.expression);
  return { key: target.name, json: structuredClone(value.json) };
}

/** Builds an element of `type` from parts named after its children (R4 fhirpatch.html, "anonymous elements"). */
function fromParts(parts: readonly unknown[], type: string, expression: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const single = new Set<string>();
  parts.forEach((raw, i) => {
    const here = `${expression}.part[${i}]`;
    if (!isObject(raw) || typeof raw.name !== 'string') throw invalid('each part needs a "name": the child element it sets', here);
    const info = findProperty(type, raw.name);
    if (!info) throw invalid(`${type} has no element "${raw.name}"`, `${here}.name`);
    const { key, json } = materialise(valueOfPart(raw, here), info, type);
    if (info.isArray) {
      const list = (out[key] ??= []) as unknown[];
      list.push(json);
    } else if (single.has(info.name)) {
      throw invalid(`${type}.${info.name} takes one value, but the parts give it more than once`, here);
    } else {
      single.add(info.name);
      out[key] = json;
    }
  });
  return out;
}

const QUANTITIES = new Set(['Quantity', 'Age', 'Count', 'Distance', 'Duration', 'SimpleQuantity', 'MoneyQuantity']);
const NUMBERS = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);

/**
 * A value of type `given` may go where `expected` is declared: the same type; primitives with the
 * same JSON form (the validator then checks the format, e.g. a code's binding); quantity profiles.
 */
function fits(given: string, expected: string): boolean {
  if (given === expected) return true;
  if (PRIMITIVE_TYPES.has(given) && PRIMITIVE_TYPES.has(expected)) return jsonForm(given) === jsonForm(expected);
  return QUANTITIES.has(given) && QUANTITIES.has(expected);
}

function jsonForm(type: string): string {
  if (type === 'boolean') return 'boolean';
  return NUMBERS.has(type) ? 'number' : 'string';
}

/** `Date` → `date`, `HumanName` → `HumanName`: primitive type names start in lower case. */
function typeOfSuffix(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVE_TYPES.has(lower) ? lower : suffix;
}

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
