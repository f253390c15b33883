/**
 * Reading a Binary (R4 http.html#binary): the raw content when the client accepts its media type
 * (no Accept, `*` wildcards, or the type itself), the Binary resource as FHIR JSON when the client
 * prefers a FHIR JSON type or gives `_format`. Pure: takes header values, not a request.
 */
import { fail } from '../fhir/outcome';
import { bareType } from './sniff';

const FHIR_JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir', 'json', 'text/json']);

/** 'raw' or 'resource' for a read with these Accept and _format values of content of `storedType`; 406 when neither is acceptable. */
export function binaryAnswer(accept: string | undefined, format: string | undefined, storedType: string): 'raw' | 'resource' {
  if (format !== undefined) return 'resource';
  if (!accept || accept.trim() === '') return 'raw';
  const stored = bareType(storedType);
  let qJson = 0;
  let qRaw = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const range = type.trim();
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    if (FHIR_JSON_TYPES.has(range)) qJson = Math.max(qJson, q);
    if (range === stored || range === '*/*' || (range.endsWith('/*') && stored.startsWith(range.slice(0, -1)))) qRaw = Math.max(qRaw, q);
  }
  if (qJson > 0 && qJson >= qRaw) return 'resource';
  if (qRaw > 0) return 'raw';
  throw fail('not-acceptable', 'not-supported', `Accept: ${accept} allows neither the content's type ${stored} nor FHIR JSON (application/fhir+json)`);
}
