/**
 * Reads a FHIRPath Patch document (R4 fhirpatch.html): a Parameters resource with one `operation`
 * parameter per change, each with parts type, path and, depending on the type, name, value, index,
 * source and destination. Anything malformed is a 400 pointing at the offending parameter or part
 * (`Parameters.parameter[2].part[1]`).
 */
import { invalid } from '../fhir/outcome';
import { isObject, valueOfPart, type PatchValue } from './fhirpath-values';

export type PartName = 'type' | 'path' | 'name' | 'value' | 'index' | 'source' | 'destination';

/** Where an operation sits in the Parameters body: the parameter and each of its parts, as FHIRPath. */
export interface OperationSource {
  parameter: string;
  parts: Partial<Record<PartName, string>>;
}

export type FhirPathPatchOperation =
  | { type: 'add'; source: OperationSource; path: string; name: string; value: PatchValue }
  | { type: 'insert'; source: OperationSource; path: string; value: PatchValue; index: number }
  | { type: 'delete'; source: OperationSource; path: string }
  | { type: 'replace'; source: OperationSource; path: string; value: PatchValue }
  | { type: 'move'; source: OperationSource; path: string; from: number; to: number };

type OperationType = FhirPathPatchOperation['type'];

/** The parts each operation type takes (all of them required). */
const PARTS: Record<OperationType, readonly PartName[]> = {
  add: ['type', 'path', 'name', 'value'],
  insert: ['type', 'path', 'value', 'index'],
  delete: ['type', 'path'],
  replace: ['type', 'path', 'value'],
  move: ['type', 'path', 'source', 'destination'],
};

const PART_NAMES: ReadonlySet<string> = new Set(['type', 'path', 'name', 'value', 'index', 'source', 'destination']);

/** True when `body` is a Parameters resource (the body of a FHIRPath Patch). */
export function isParameters(body: unknown): boolean {
  return isObject(body) && body.resourceType === 'Parameters';
}

/** The operations of a FHIRPath Patch document, in order; throws 400 at the first malformed one. */
export function parseFhirPathPatch(body: unknown): FhirPathPatchOperation[] {
  if (!isParameters(body)) throw invalid('a FHIRPath Patch body must be a Parameters resource', 'resourceType');
  const parameters = (body as Record<string, unknown>).parameter ?? [];
  if (!Array.isArray(parameters)) throw invalid('Parameters.parameter must be an array', 'Parameters.parameter');
  return parameters.map((p: unknown, i) => parseOperation(p, `Parameters.parameter[${i}]`));
}

function parseOperation(parameter: unknown, at: string): FhirPathPatchOperation {
  if (!isObject(parameter)) throw invalid('each parameter must be a JSON object', at);
  if (parameter.name !== 'operation') throw invalid(`a FHIRPath Patch parameter must be named "operation" (got ${JSON.stringify(parameter.name)})`, `${at}.name`);
  if (!Array.isArray(parameter.part) || parameter.part.length === 0) throw invalid('an operation needs parts: type, path and the ones its type takes', at);
  const parts = new Map<PartName, Record<string, unknown>>();
  const source: OperationSource = { parameter: at, parts: {} };
  parameter.part.forEach((part: unknown, j) => {
    const here = `${at}.part[${j}]`;
    if (!isObject(part)) throw invalid('each part must be a JSON object', here);
    if (typeof part.name !== 'string' || !PART_NAMES.has(part.name)) {
      throw invalid(`unknown part ${JSON.stringify(part.name)}; an operation has parts type, path, name, value, index, source, destination`, `${here}.name`);
    }
    const name = part.name as PartName;
    if (parts.has(name)) throw invalid(`the part "${name}" is given twice`, here);
    parts.set(name, part);
    source.parts[name] = here;
  });
  const typePart = parts.get('type');
  if (!typePart) throw invalid('the operation has no "type" part (add | insert | delete | replace | move)', at);
  const type = text(typePart, source.parts.type as string, 'type');
  if (!Object.hasOwn(PARTS, type)) throw invalid(`unknown operation type "${type}"; use add, insert, delete, replace or move`, source.parts.type);
  const wanted = PARTS[type as OperationType];
  for (const name of wanted) if (!parts.has(name)) throw invalid(`a ${type} operation needs a "${name}" part`, at);
  for (const name of parts.keys()) if (!wanted.includes(name)) throw invalid(`a ${type} operation takes no "${name}" part`, source.parts[name]);
  const part = (name: PartName) => parts.get(name) as Record<string, unknown>;
  const where = (name: PartName) => source.parts[name] as string;
  const path = text(part('path'), where('path'), 'path');
  const kind = type as OperationType;
  switch (kind) {
    case 'add':
      return { type: 'add', source, path, name: text(part('name'), where('name'), 'name'), value: valueOfPart(part('value'), where('value')) };
    case 'insert':
      return { type: 'insert', source, path, value: valueOfPart(part('value'), where('value')), index: count(part('index'), where('index')) };
    case 'delete':
      return { type: 'delete', source, path };
    case 'replace':
      return { type: 'replace', source, path, value: valueOfPart(part('value'), where('value')) };
    case 'move':
      return { type: 'move', source, path, from: count(part('source'), where('source')), to: count(part('destination'), where('destination')) };
    default: {
      const unknown: never = kind;
      throw invalid(`unknown operation type "${String(unknown)}"`, where('type'));
    }
  }
}

/** A part's non-empty string (valueCode for the type, valueString for path and name). */
function text(part: Record<string, unknown>, at: string, name: PartName): string {
  const value = part.valueCode ?? part.valueString;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`the "${name}" part needs a ${name === 'type' ? 'valueCode' : 'valueString'}`, at);
  return value;
}

/** A part's non-negative integer (valueInteger). */
function count(part: Record<string, unknown>, at: string): number {
  const value = part.valueInteger ?? part.valueUnsignedInt ?? part.valuePositiveInt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalid(`the "${part.name as string}" part needs a valueInteger of 0 or more`, at);
  return value;
}
