/**
 * The patient an interaction concerns, when it is easily known (BALP patient entity): the Patient
 * itself, the `subject`/`patient`/`for` reference of the resource read or written, or a search's
 * `patient` / `subject` parameter. Nothing is looked up in the store.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Classified } from './classify';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** `Patient/id` references concerned by a request on `what` with this resource and query. */
export function patientsOf(what: Classified, resource: unknown, query: Record<string, string[]>, baseUrl: string): string[] {
  const found = new Set<string>();
  if (what.type === 'Patient' && what.id && ID.test(what.id)) found.add(`Patient/${what.id}`);
  if (isResource(resource)) for (const p of fromResource(resource, baseUrl)) found.add(p);
  if (/^search-/.test(what.code)) for (const p of fromQuery(what.type, query, baseUrl)) found.add(p);
  return [...found];
}

function fromResource(resource: Resource, baseUrl: string): string[] {
  if (resource.resourceType === 'Patient') return resource.id && ID.test(resource.id) ? [`Patient/${resource.id}`] : [];
  const record = resource as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const field of ['subject', 'patient', 'for']) {
    const ref = (record[field] as { reference?: unknown } | undefined)?.reference;
    const patient = typeof ref === 'string' ? patientRef(ref, baseUrl) : undefined;
    if (patient) out.push(patient);
  }
  return out;
}

function fromQuery(type: string | undefined, query: Record<string, string[]>, baseUrl: string): string[] {
  const out: string[] = [];
  for (const [name, values] of Object.entries(query)) {
    const [code, modifier] = name.split(':');
    for (const value of values.flatMap((v) => v.split(','))) {
      if (code === 'patient' || (code === 'subject' && modifier === 'Patient')) {
        const p = patientRef(value, baseUrl) ?? (ID.test(value) ? `Patient/${value}` : undefined);
        if (p) out.push(p);
      } else if (code === 'subject') {
        const p = patientRef(value, baseUrl);
        if (p) out.push(p);
      } else if (code === '_id' && type === 'Patient' && ID.test(value)) {
        out.push(`Patient/${value}`);
      }
    }
  }
  return out;
}

function patientRef(reference: string, baseUrl: string): string | undefined {
  const local = reference.startsWith(`${baseUrl}/`) ? reference.slice(baseUrl.length + 1) : reference;
  const m = /^Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(local);
  return m ? `Patient/${m[1]}` : undefined;
}

function isResource(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}
