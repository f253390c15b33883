/**
 * A schema-guided walk over a resource's JSON: every present value is visited with its FHIR type,
 * its element definition and a FHIRPath expression with indexes (`Patient.contact[0].gender`,
 * `Observation.value.ofType(Quantity).code`). Contained and nested resources (Bundle.entry.resource,
 * Parameters.parameter.resource) are walked with their own type. Property lookups are cached per
 * type, so a walk costs a few microseconds per value.
 */
import { getDataType, tryGetDataType } from '@medplum/core';
import type { InternalSchemaElement } from '@medplum/core';
import type { ElementDefinitionBinding } from '@medplum/fhirtypes';

/** What the walk knows about one JSON property of a type. */
export interface PropertyInfo {
  /** Element name without `[x]` (the FHIRPath name). */
  readonly name: string;
  /** FHIR type code of this JSON property: a primitive (`code`), a datatype (`Coding`) or a backbone type name. */
  readonly type: string;
  readonly isArray: boolean;
  readonly choice: boolean;
  readonly binding?: ElementDefinitionBinding;
  readonly element: InternalSchemaElement;
}

/** Callbacks of a walk; each receives the FHIRPath of the value. */
export interface WalkVisitor {
  /** Called for the root and every nested resource; return false to skip it (e.g. an unknown type). */
  resource(value: Record<string, unknown>, path: string): boolean;
  /** Called for every present value of a known property (array items one by one). */
  value(value: unknown, info: PropertyInfo, path: string): void;
  /** Called after the values of a resource accepted by `resource` have been walked. */
  leaveResource(path: string): void;
  /** Called for a value whose JSON type can never be right there (an array inside an array, a string for a datatype). */
  wrongJsonType(expected: string, value: unknown, path: string): void;
  /** Called for a JSON array with no items. */
  emptyArray(info: PropertyInfo, path: string): void;
  /** Called when an object holds more than one type of a choice element (`valueString` and `valueCode`). */
  choiceConflict(name: string, keys: string[], path: string): void;
  /**
   * Called for a property the type does not define. Relay reports these itself: @medplum/core's check
   * lets some through (`constructor` and other Object.prototype names, `deceased[x]`, `value`).
   */
  unknownProperty(key: string, path: string): void;
}

export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer', 'markdown',
  'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid', 'xhtml',
]);

const propertyCache = new Map<string, ReadonlyMap<string, PropertyInfo>>();

/** Walks a resource (and every resource nested in it) calling the visitor for each value. */
export function walkResource(resource: Record<string, unknown>, visitor: WalkVisitor, path?: string): void {
  const type = resource.resourceType;
  const here = path ?? (typeof type === 'string' ? type : 'Resource');
  if (!visitor.resource(resource, here) || typeof type !== 'string') return;
  walkObject(resource, type, here, visitor);
  visitor.leaveResource(here);
}

/** The JSON properties of a type (choice elements expanded to `valueQuantity`, `valueString`, ...). */
export function propertiesOf(type: string): ReadonlyMap<string, PropertyInfo> {
  let props = propertyCache.get(type);
  if (!props) {
    props = buildProperties(type);
    propertyCache.set(type, props);
  }
  return props;
}

function walkObject(obj: Record<string, unknown>, type: string, path: string, visitor: WalkVisitor): void {
  const props = propertiesOf(type);
  let choices: Map<string, string[]> | undefined;
  for (const key in obj) {
    if (key === 'resourceType') continue;
    const primitiveExtension = key.startsWith('_');
    const name = primitiveExtension ? key.slice(1) : key;
    const info = props.get(name);
    if (!info) {
      visitor.unknownProperty(key, path);
      continue;
    }
    if (info.choice) {
      choices ??= new Map();
      const keys = choices.get(info.name) ?? [];
      if (!keys.includes(name)) keys.push(name);
      choices.set(info.name, keys);
    }
    const value = obj[key];
    const base = info.choice ? `${path}.${info.name}.ofType(${info.type})` : `${path}.${info.name}`;
    if (Array.isArray(value)) {
      if (value.length === 0) {
        visitor.emptyArray(info, base);
        continue;
      }
      for (let i = 0; i < value.length; i++) {
        visit(value[i], info, `${base}[${i}]`, primitiveExtension, visitor);
      }
    } else {
      visit(value, info, base, primitiveExtension, visitor);
    }
  }
  for (const [name, keys] of choices ?? []) if (keys.length > 1) visitor.choiceConflict(name, keys, path);
}

function visit(value: unknown, info: PropertyInfo, path: string, primitiveExtension: boolean, visitor: WalkVisitor): void {
  if (value === null || value === undefined) return;
  const expected = primitiveExtension ? 'object' : jsonTypeOf(info.type);
  if (Array.isArray(value) || typeof value !== expected) {
    visitor.wrongJsonType(expected === 'object' ? `an object (${primitiveExtension ? 'Element' : info.type})` : `a JSON ${expected} (${info.type})`, value, path);
    return;
  }
  if (primitiveExtension) {
    if (isObject(value)) walkObject(value, 'Element', path, visitor);
    return;
  }
  visitor.value(value, info, path);
  if (PRIMITIVE_TYPES.has(info.type) || !isObject(value)) return;
  if (info.type === 'Resource') {
    walkResource(value, visitor, path);
  } else {
    walkObject(value, info.type, path, visitor);
  }
}

const NUMBER_TYPES: ReadonlySet<string> = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);

/** The JSON type FHIR JSON uses for a value of this FHIR type (R4 json.html#primitive). */
function jsonTypeOf(type: string): 'boolean' | 'number' | 'string' | 'object' {
  if (type === 'boolean') return 'boolean';
  if (NUMBER_TYPES.has(type)) return 'number';
  return PRIMITIVE_TYPES.has(type) ? 'string' : 'object';
}

function buildProperties(type: string): ReadonlyMap<string, PropertyInfo> {
  const props = new Map<string, PropertyInfo>();
  const schema = tryGetDataType(type) ?? getDataType('Element');
  for (const [elementName, element] of Object.entries(schema.elements)) {
    const binding = element.binding;
    const isArray = element.isArray === true;
    if (elementName.endsWith('[x]')) {
      const name = elementName.slice(0, -3);
      for (const t of element.type) {
        const code = fhirTypeCode(t.code);
        props.set(name + code.charAt(0).toUpperCase() + code.slice(1), { name, type: code, isArray, choice: true, binding, element });
      }
    } else {
      const code = fhirTypeCode(element.type[0]?.code ?? 'Element');
      props.set(elementName, { name: elementName, type: code, isArray, choice: false, binding, element });
    }
  }
  return props;
}

function fhirTypeCode(code: string): string {
  return code === 'http://hl7.org/fhirpath/System.String' ? 'string' : code;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
