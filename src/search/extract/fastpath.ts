/**
 * A fast path for simple member paths (`Patient.name.family`, `Observation.subject`,
 * `Observation.value.ofType(Quantity)`, `Patient.deceased`): evaluated by walking the JSON directly,
 * with each element typed from the R4 schemas (../../validation/walk.ts `propertiesOf`), giving the
 * same Elements the fhirpath.js evaluation gives (same FHIR type names, values and order).
 *
 * The R4 definitions type every `id` element and Extension.url as `System.String` (the schemas give
 * string and uri; fhirpath.js reports System.String), so those are named that way here.
 *
 * A branch takes the fast path only when every step is a known element of a complex type, the last
 * step's type is one fhirpath.js reports by name (a primitive, `System.String` or a datatype; not a
 * backbone element or a resource), and any `ofType(T)` directly follows a choice element with no
 * other choice type derived from T. Anything else, and any JSON the walk does not expect at
 * evaluation time (a different resourceType, an array in an array, an object where a primitive
 * belongs), is left to fhirpath.js.
 */
import { tryGetDataType } from '@medplum/core';
import { PRIMITIVE_TYPES, propertiesOf, type PropertyInfo } from '../../validation/walk';
import type { Element } from './elements';

/** Evaluates a simple path; undefined when the JSON is not what the walk handles (use fhirpath.js). */
export type FastEvaluator = (input: unknown) => Element[] | undefined;

interface Step {
  /** JSON property names to read, each with the FHIR type of its values (several for a choice without ofType). */
  readonly keys: readonly (readonly [key: string, type: string])[];
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;
const OF_TYPE = /^ofType\(([A-Za-z][A-Za-z0-9_]*)\)$/;
/** FHIRPath keywords that are not plain member names. */
const KEYWORDS = new Set([
  'and', 'as', 'asc', 'contains', 'day', 'days', 'desc', 'div', 'false', 'hour', 'hours', 'implies', 'in', 'is', 'millisecond',
  'milliseconds', 'minute', 'minutes', 'mod', 'month', 'months', 'or', 'second', 'seconds', 'sort', 'true', 'week', 'weeks',
  'xor', 'year', 'years',
]);
/** Types with R4 specializations (fhirpath.js r4 `type2Parent`): its `ofType(T)` may also match these. */
const DERIVED: Readonly<Record<string, readonly string[]>> = {
  string: ['code', 'id', 'markdown'],
  uri: ['url', 'canonical', 'oid', 'uuid'],
  integer: ['positiveInt', 'unsignedInt'],
  Quantity: ['Age', 'Count', 'Distance', 'Duration', 'MoneyQuantity', 'SimpleQuantity'],
};

let enabled = true;

/** For tests: turns the fast path off (every branch evaluated by fhirpath.js) or back on. */
export function setFastPathEnabled(on: boolean): void {
  enabled = on;
}

export function fastPathEnabled(): boolean {
  return enabled;
}

/** The fast evaluator of `expression` (a resource-rooted branch), or undefined when it is not a simple path. */
export function compileFastPath(expression: string): FastEvaluator | undefined {
  const parts = expression.split('.');
  const root = parts[0];
  if (parts.length < 2 || !IDENTIFIER.test(root) || !tryGetDataType(root)) return undefined;
  const steps: Step[] = [];
  let type = root;
  let systemString = false;
  for (let i = 1; i < parts.length; i++) {
    const name = parts[i];
    if (!IDENTIFIER.test(name) || KEYWORDS.has(name)) return undefined;
    if (type === '' || PRIMITIVE_TYPES.has(type) || type === 'Resource') return undefined;
    const infos = elementInfos(type, name);
    if (infos.length === 0) return undefined;
    let keys: (readonly [string, string])[];
    if (infos[0].choice) {
      const ofType = OF_TYPE.exec(parts[i + 1] ?? '')?.[1];
      if (ofType !== undefined) {
        i++;
        const match = infos.find((info) => info.type === ofType);
        const derived = DERIVED[ofType] ?? [];
        if (!match || infos.some((info) => derived.includes(info.type))) return undefined;
        keys = [[keyOf(match), match.type]];
      } else {
        keys = infos.map((info) => [keyOf(info), info.type] as const);
      }
      systemString = false;
    } else {
      if (OF_TYPE.test(parts[i + 1] ?? '')) return undefined;
      keys = [[name, infos[0].type]];
      systemString = name === 'id' || (type === 'Extension' && name === 'url');
    }
    steps.push({ keys });
    type = keys.length === 1 ? keys[0][1] : '';
  }
  const last = steps[steps.length - 1];
  if (!last.keys.every(([, t]) => reportable(t))) return undefined;
  if (systemString) steps[steps.length - 1] = { keys: [[last.keys[0][0], 'System.String']] };
  return evaluator(root, steps);
}

/** The PropertyInfo of element `name` of `type` (one per type for a choice element), in schema order. */
function elementInfos(type: string, name: string): PropertyInfo[] {
  const out: PropertyInfo[] = [];
  for (const info of propertiesOf(type).values()) if (info.name === name) out.push(info);
  return out.length > 1 && !out.every((info) => info.choice) ? [] : out;
}

function keyOf(info: PropertyInfo): string {
  return info.name + info.type.charAt(0).toUpperCase() + info.type.slice(1);
}

/** True when fhirpath.js reports values of `type` under that name (not a backbone element or a resource). */
function reportable(type: string): boolean {
  if (PRIMITIVE_TYPES.has(type)) return true;
  if (type === 'Resource' || type === '') return false;
  const schema = tryGetDataType(type) as { kind?: string } | undefined;
  return schema?.kind === 'complex-type';
}

function evaluator(root: string, steps: readonly Step[]): FastEvaluator {
  const lastIndex = steps.length - 1;
  return (input) => {
    if (!isObject(input) || input.resourceType !== root) return undefined;
    let current: Record<string, unknown>[] = [input];
    for (let s = 0; s < lastIndex; s++) {
      const next: Record<string, unknown>[] = [];
      const keys = steps[s].keys;
      for (const obj of current) {
        for (const [key] of keys) {
          const value = obj[key];
          if (value === undefined || value === null) continue;
          if (Array.isArray(value)) {
            for (const item of value) {
              if (item === null || item === undefined) continue;
              if (!isObject(item)) return undefined;
              next.push(item);
            }
          } else if (isObject(value)) {
            next.push(value);
          } else {
            return undefined;
          }
        }
      }
      if (next.length === 0) return [];
      current = next;
    }
    const out: Element[] = [];
    const keys = steps[lastIndex].keys;
    for (const obj of current) {
      for (const [key, type] of keys) {
        const value = obj[key];
        if (value === undefined || value === null) continue;
        if (Array.isArray(value)) {
          for (const item of value) {
            if (item === null || item === undefined) continue;
            if (!add(out, item, type)) return undefined;
          }
        } else if (!add(out, value, type)) {
          return undefined;
        }
      }
    }
    return out;
  };
}

/** Appends one value as an Element; false when its JSON type is not the one the walk handles for `type`. */
function add(out: Element[], value: unknown, type: string): boolean {
  const primitive = PRIMITIVE_TYPES.has(type) || type === 'System.String';
  if (primitive ? typeof value === 'object' : !isObject(value)) return false;
  out.push({ type, value, path: type });
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
