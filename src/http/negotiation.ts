/**
 * Content negotiation (R4 http.html#mime-type): Relay speaks FHIR JSON. Requests may send
 * application/fhir+json or application/json; `_format` overrides Accept; anything that can only be
 * answered in XML or another format gets 406, a body in another format 415.
 */
import { fail } from '../fhir/outcome';

/** Media types read as (FHIR) JSON. */
export const JSON_TYPES: ReadonlySet<string> = new Set(['application/fhir+json', 'application/json', 'application/json+fhir', 'json', 'text/json']);
const WILDCARDS = new Set(['*/*', 'application/*']);

export const FHIR_JSON = 'application/fhir+json';

/** The media type to answer with; throws 406 when the client accepts no JSON. */
export function responseType(accept: string | undefined, format: string | undefined): string {
  if (format !== undefined) {
    const f = format.trim().toLowerCase().split(';')[0];
    if (!JSON_TYPES.has(f)) throw fail('not-acceptable', 'not-supported', `_format=${format} is not supported; Relay answers in FHIR JSON (_format=json)`, '_format');
    return f === 'application/json' ? 'application/json' : FHIR_JSON;
  }
  if (!accept || accept.trim() === '') return FHIR_JSON;
  const ranges = accept.split(',').map((r) => {
    const [type, ...params] = r.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const usable = ranges.filter((r) => r.q > 0 && (JSON_TYPES.has(r.type) || WILDCARDS.has(r.type)));
  if (usable.length === 0) throw fail('not-acceptable', 'not-supported', `Accept: ${accept} names no format Relay can answer in; use application/fhir+json`);
  const best = usable.sort((a, b) => b.q - a.q)[0];
  return best.type === 'application/json' ? 'application/json' : FHIR_JSON;
}

/** Checks a request body's Content-Type; throws 415 unless it is FHIR JSON, plain JSON or one of `alsoAccepted` (e.g. JSON Patch on PATCH). */
export function assertJsonBody(contentType: string | undefined, alsoAccepted: readonly string[] = []): void {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  if (!type) throw fail('unsupported-media-type', 'not-supported', 'the request has a body but no Content-Type; send application/fhir+json');
  if (!JSON_TYPES.has(type) && !alsoAccepted.includes(type)) {
    const also = alsoAccepted.map((t) => `, ${t}`).join('');
    throw fail('unsupported-media-type', 'not-supported', `Content-Type ${type} is not supported; send application/fhir+json (or application/json${also})`);
  }
}
