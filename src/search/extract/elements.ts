/**
 * FHIRPath evaluation for extraction: each expression is compiled once with the R4 model (fhirpath.js,
 * typed results via `resolveInternalTypes: false`) and each result is reduced to an Element: its FHIR
 * type name and its plain JSON value.
 */
import { compile, FP_Decimal, type Model } from 'fhirpath';
import * as r4 from 'fhirpath/fhir-context/r4';

/** One evaluated value: `type` is the FHIR type (e.g. "CodeableConcept", "dateTime", "boolean"), `path` the model path (for components). */
export interface Element {
  type: string;
  value: unknown;
  path?: string;
}

/** A compiled expression: input is a resource, or the JSON of an element when compiled with a base path. */
export type Evaluator = (input: unknown, env?: Record<string, unknown>) => Element[];

const MODEL = r4 as unknown as Model;

/** Compiles `expression` (relative to `base` when given, e.g. "Observation.component"). */
export function compileExpression(expression: string, base?: string): Evaluator {
  const fn = compile(base ? { base, expression } : expression, MODEL, { resolveInternalTypes: false });
  return (input, env) => toElements(fn(input, env ?? {}) as unknown[]);
}

interface NodeLike {
  path: string | null;
  data: unknown;
  fhirNodeDataType: string | null;
}

function toElements(results: unknown[]): Element[] {
  const out: Element[] = [];
  for (const item of results) {
    const el = isNode(item) ? fromNode(item) : fromPlain(item);
    if (el) out.push(el);
  }
  return out;
}

function fromNode(node: NodeLike): Element | undefined {
  const value = plain(node.data);
  if (value === null || value === undefined) return undefined;
  const path = node.path ?? undefined;
  const type = node.fhirNodeDataType ?? (path && !path.includes('.') ? path : 'Element');
  return { type, value, path };
}

function fromPlain(value: unknown): Element | undefined {
  if (typeof value === 'boolean') return { type: 'boolean', value };
  if (typeof value === 'string') return { type: 'string', value };
  const n = plain(value);
  return typeof n === 'number' ? { type: 'decimal', value: n } : undefined;
}

/** Unwraps fhirpath.js decimals and bigint integer64 values. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  return value instanceof FP_Decimal ? value.toNumber() : value;
}

function isNode(item: unknown): item is NodeLike {
  return item !== null && typeof item === 'object' && 'fhirNodeDataType' in item && 'data' in item;
}
