/**
 * The patient an interaction concerns, when it is easily known (BALP patient entity): the Patient
 * itself, the `subject`/`patient`/`for` reference of the resource read or written, or a search's
 * `patient` / `subject` parameter; for a batch or transaction, the same for each entry of the
 * request Bundle (its URL and resource). Nothing is looked up in the store.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { classify, type Classified } from './classify';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** At most this many patients per event (a large transaction names one per entry). */
const MAX_PATIENTS = 100;

/** `Patient/id` references concerned by a request on `what` with this resource and query. */
export function patientsOf(what: Classified, resource: unknown, query: Record<string, string[]>, baseUrl: string): string[] {
  const found = new Set(direct(what, resource, query, baseUrl));
  if ((what.code === 'batch' || what.code === 'transaction') && isBundle(resource)) for (const p of fromEntries(resource, baseUrl)) found.add(p);
  return [...found].slice(0, MAX_PATIENTS);
}

function direct(what: Classified, resource: unknown, query: Record<string, string[]>, baseUrl: string): string[] {
  const found: string[] = [];
  if (what.type === 'Patient' && what.id && ID.test(what.id)) found.push(`Patient/${what.id}`);
  if (isResource(resource)) found.push(...fromResource(resource, baseUrl));
  if (/^search-/.test(what.code)) found.push(...fromQuery(what.type, query, baseUrl));
  return found;
}

/** The patients of each entry of a request Bundle, as if it had been sent on its own (one level: no nested Bundles). */
function fromEntries(bundle: Bundle, baseUrl: string): string[] {
  return (bundle.entry ?? []).flatMap((entry) => {
    const given = typeof entry?.request?.url === 'string' ? entry.request.url : '';
    const url = given.startsWith(`${baseUrl}/`) ? given.slice(baseUrl.length + 1) : given;
    const q = url.indexOf('?');
    // No prototype: a parameter named `__proto__` is just a parameter.
    const query: Record<string, string[]> = Object.create(null);
    for (const [k, v] of new URLSearchParams(q < 0 ? '' : url.slice(q + 1))) (query[k] ??= []).push(v);
    return direct(classify(String(entry?.request?.method ?? 'GET'), `/${q < 0 ? url : url.slice(0, q)}`), entry?.resource, query, baseUrl);
  });
}

/** The elements of a resource whose reference names its patient. */
const PATIENT_ELEMENTS = ['subject', 'patient', 'for'] as const;

/**
 * What patientsOf reads of a resource: its type, id and the references of PATIENT_ELEMENTS. A large
 * batch or transaction keeps only this of each request entry's resource once the entry has run
 * (rest/bundle/release.ts), and the audit event, built when the response ends, names the same patients.
 */
export function patientFacts(resource: unknown): Resource | undefined {
  if (!isResource(resource)) return undefined;
  const record = resource as unknown as Record<string, unknown>;
  const facts: Record<string, unknown> = { resourceType: resource.resourceType, id: resource.id };
  for (const field of PATIENT_ELEMENTS) {
    const ref = (record[field] as { reference?: unknown } | undefined)?.reference;
    if (typeof ref === 'string') facts[field] = { reference: ref };
  }
  return facts as unknown as Resource;
}

function fromResource(resource: Resource, baseUrl: string): string[] {
  if (resource.resourceType === 'Patient') return resource.id && ID.test(resource.id) ? [`Patient/${resource.id}`] : [];
  const record = resource as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const field of PATIENT_ELEMENTS) {
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

function isBundle(value: unknown): value is Bundle {
  return isResource(value) && value.resourceType === 'Bundle' && Array.isArray((value as Bundle).entry);
}

function isResource(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}
