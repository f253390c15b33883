/**
 * What a request under the FHIR base is, from its method and path alone (R4 http.html): the
 * restful-interaction code, type, id, version and operation. The audit trail needs this also for
 * requests that never reach an interaction handler (401 before routing, 404 for no route).
 */

/** R4 AuditEvent.action (http://hl7.org/fhir/audit-event-action). */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

export interface Classified {
  /** A code of http://hl7.org/fhir/restful-interaction ('operation' for an $operation). */
  code: string;
  type?: string;
  id?: string;
  versionId?: string;
  /** The operation name without `$`. */
  operation?: string;
}

const TYPE = /^[A-Z][A-Za-z]+$/;

/** Classifies `method` on `path` (below the FHIR base, e.g. `/Patient/1/_history`). */
export function classify(method: string, path: string): Classified {
  const s = path.split('/').filter(Boolean).map(safeDecode);
  const m = method === 'HEAD' ? 'GET' : method;
  const op = s.at(-1)?.startsWith('$') ? (s.at(-1) as string).slice(1) : undefined;
  if (op !== undefined) return { code: 'operation', operation: op, type: TYPE.test(s[0] ?? '') ? s[0] : undefined, id: s.length === 3 ? s[1] : undefined };
  if (s.length === 0) return { code: m === 'POST' ? 'transaction' : 'search-system' };
  if (s[0] === 'metadata') return { code: 'capabilities' };
  if (s[0] === '_history') return { code: 'history-system' };
  if (s[0] === '_search') return { code: 'search-system' };
  if (s[0] === '.well-known') return { code: 'capabilities' };
  if (!TYPE.test(s[0])) return { code: 'unknown' };
  const type = s[0];
  if (s.length === 1) return { code: byMethod(m, { GET: 'search-type', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }), type };
  if (s[1] === '_search') return { code: 'search-type', type };
  if (s[1] === '_history') return { code: 'history-type', type };
  const id = s[1];
  if (s.length === 2) return { code: byMethod(m, { GET: 'read', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }), type, id };
  if (s[2] === '_history') return s.length >= 4 ? { code: 'vread', type, id, versionId: s[3] } : { code: 'history-instance', type, id };
  return { code: 'unknown', type, id };
}

/** BALP / R4 auditevent.html: create C, read R, update U, delete D; searches, histories of many, bundles and operations E. */
export function actionOf(code: string): AuditAction {
  switch (code) {
    case 'create':
      return 'C';
    case 'read':
    case 'vread':
    case 'history-instance':
    case 'capabilities':
      return 'R';
    case 'update':
    case 'patch':
      return 'U';
    case 'delete':
      return 'D';
    default:
      return 'E';
  }
}

/** R4 AuditEvent.outcome: 0 success, 4 minor failure (4xx), 8 serious failure (5xx). */
export function outcomeOf(status: number): '0' | '4' | '8' {
  return status >= 500 ? '8' : status >= 400 ? '4' : '0';
}

function byMethod(method: string, codes: Record<string, string>): string {
  return codes[method] ?? 'unknown';
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
