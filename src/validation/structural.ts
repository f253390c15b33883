/**
 * Structural validation by @medplum/core (cardinality, JSON types, primitive formats, unknown
 * properties, invariants), with its issues brought into Relay's shape: a message that names the
 * element, an expression in FHIRPath (`Observation.value.ofType(Quantity).value` instead of
 * Medplum's `Observation.value[x].value`), and Medplum-specific verdicts adjusted to plain R4:
 * - its verdicts on values whose R4 rules primitives.ts applies instead (date/time formats, code
 *   syntax, base64Binary, the 1 MB limit on base64Binary and xhtml, whitespace-only strings) are
 *   dropped for those values;
 * - its reference-target warnings and choice-conflict warnings are dropped: references.ts and the
 *   walk report those as errors with correct paths;
 * - "Unknown data type" is dropped (resources.ts reports unknown types with a location);
 * - "Invalid additional property" and "Invalid JSON type" are dropped: the walk reports every unknown
 *   property and every value of the wrong JSON type itself (Medplum misses some of each).
 */
import { OperationOutcomeError as MedplumOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/outcome';
import { issue } from '../fhir/outcome';
import { PRIMITIVE_TYPES } from './walk';

const DROPPED = [/^Invalid additional property /, /^Invalid JSON type: /, /^Invalid reference: /, /^Conflicting choice of type properties/, /^Unknown data type: /];
const SUPERSEDED = /^(Invalid (date|dateTime|instant|time|code|base64Binary) format|String cannot be larger than 1 MB|String must contain non-whitespace content)$/;
const SEGMENT = /^([A-Za-z][A-Za-z0-9_]*)(\[x\])?((?:\[\d+\])*)$/;

/** Runs @medplum/core's validator and returns its issues normalised; never throws. */
export function structuralIssues(resource: Resource, supersededPaths: ReadonlySet<string>): Issue[] {
  let raw: OperationOutcomeIssue[];
  try {
    raw = validateResource(resource);
  } catch (err) {
    if (err instanceof MedplumOutcomeError) raw = err.outcome.issue ?? [];
    else return [issue('error', 'exception', `Validator failure: ${err instanceof Error ? err.message : String(err)}`)];
  }
  const out: Issue[] = [];
  for (const original of raw) {
    const text = original.details?.text ?? original.diagnostics ?? 'Invalid resource';
    if (DROPPED.some((re) => re.test(text))) continue;
    const located = locate(resource, original.expression?.[0]);
    if (SUPERSEDED.test(text) && located && supersededPaths.has(located.path)) continue;
    out.push(normalise(original, text, located));
  }
  return out;
}

function normalise(original: OperationOutcomeIssue, text: string, located: Located | undefined): Issue {
  const severity = original.severity;
  if (!located) return issue(severity, original.code, text);
  const shown = typeof located.value === 'string' && /^Invalid .* format$/.test(text) ? ` ("${truncate(located.value)}")` : '';
  const message = `${located.path}: ${text}${shown}`;
  const out = issue(severity, original.code, message, located.path);
  const fhirpath = fhirPathOf(original.diagnostics);
  if (fhirpath) out.diagnostics = `${message} [expression: ${fhirpath}]`;
  return out;
}

interface Located {
  path: string;
  value: unknown;
}

/** Rewrites a Medplum path into FHIRPath (choice elements become `.ofType(T)`) and finds the value it names. */
function locate(resource: Resource, expression: string | undefined): Located | undefined {
  if (!expression) return undefined;
  const segments = expression.split('.');
  if (segments[0] !== resource.resourceType) return { path: expression.replace(/\[x\]/g, ''), value: undefined };
  let current: unknown = resource;
  const out: string[] = [segments[0]];
  for (const segment of segments.slice(1)) {
    const m = SEGMENT.exec(segment);
    if (!m) {
      out.push(segment);
      current = undefined;
      continue;
    }
    const [, name, choice, indexes] = m;
    let key: string | undefined = name;
    if (choice) {
      key = isRecord(current) ? Object.keys(current).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length))) : undefined;
      out.push(key ? `${name}.ofType(${typeOfSuffix(key.slice(name.length))})${indexes}` : `${name}${indexes}`);
    } else {
      out.push(segment);
    }
    current = key !== undefined && isRecord(current) ? current[key] : undefined;
    for (const index of indexes.match(/\d+/g) ?? []) current = Array.isArray(current) ? current[Number(index)] : undefined;
  }
  return { path: out.join('.'), value: current };
}

function typeOfSuffix(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVE_TYPES.has(lower) ? lower : suffix;
}

function fhirPathOf(diagnostics: string | undefined): string | undefined {
  if (!diagnostics?.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(diagnostics) as { fhirpath?: unknown };
    return typeof parsed.fhirpath === 'string' ? parsed.fhirpath : undefined;
  } catch {
    return undefined;
  }
}

function truncate(value: string): string {
  return value.length > 80 ? value.slice(0, 77) + '...' : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
