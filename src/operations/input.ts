/**
 * An operation's input parameters (R4 operations.html#request): from the query string and, for POST,
 * from a Parameters body; an operation whose input is one resource may also take that resource as
 * the body itself (as `$validate` does). A primitive parameter is read as its string form.
 */
import type { Coding, CodeableConcept, Parameters, ParametersParameter, Reference, Resource } from '@medplum/fhirtypes';
import { invalid } from '../fhir/outcome';
import type { FhirRequest } from '../rest/types';

export interface OperationInput {
  /** Every value given for a primitive parameter, as strings. */
  all(name: string): string[];
  /** The one value of a primitive parameter; 400 when it is given more than once. */
  one(name: string): string | undefined;
  /** A resource parameter (or the body itself, see `bodyResource`). */
  resource(name: string): Resource | undefined;
  coding(name: string): Coding | undefined;
  codeableConcept(name: string): CodeableConcept | undefined;
  /** A Reference parameter (valueReference; in a query string, the reference as text). */
  reference(name: string): Reference | undefined;
}

/** Reads the input of an operation; `bodyResource` names the parameter a non-Parameters body fills. */
export function operationInput(req: FhirRequest, bodyResource?: string): OperationInput {
  const body = req.body;
  let params: ParametersParameter[] = [];
  let direct: Resource | undefined;
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body) || typeof (body as Resource).resourceType !== 'string') {
      throw invalid('the body must be a FHIR resource: a Parameters resource, or the resource the operation works on');
    }
    if ((body as Resource).resourceType === 'Parameters') params = (body as Parameters).parameter ?? [];
    else if (bodyResource) direct = body as Resource;
    else throw invalid(`the body must be a Parameters resource, not a ${(body as Resource).resourceType}`, 'resourceType');
  }
  const named = (name: string) => params.filter((p) => p.name === name);
  const all = (name: string): string[] => [...(req.query[name] ?? []), ...named(name).map(primitiveOf).filter((v): v is string => v !== undefined)];
  return {
    all,
    one(name) {
      const values = all(name);
      if (values.length > 1) throw invalid(`parameter ${name} may be given once, but was given ${values.length} times`, name);
      return values[0];
    },
    resource(name) {
      if (direct && name === bodyResource) return direct;
      return named(name)[0]?.resource;
    },
    coding: (name) => named(name)[0]?.valueCoding,
    codeableConcept: (name) => named(name)[0]?.valueCodeableConcept,
    reference(name) {
      const given = named(name)[0]?.valueReference;
      if (given) return given;
      const text = req.query[name]?.[0];
      return text ? { reference: text } : undefined;
    },
  };
}

function primitiveOf(p: ParametersParameter): string | undefined {
  for (const [key, value] of Object.entries(p)) {
    if (key.startsWith('value') && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) return String(value);
  }
  return undefined;
}
