/**
 * Records one AuditEvent per HTTP request under the FHIR base and to the token endpoint, failures and
 * denials included (401 before routing, 403, 404, 5xx). Plain node:http middleware (Express stays in
 * src/http/): it wraps `res.end`, so the event is built when the status and the OperationOutcome are
 * known. A request that may change data (POST/PUT/PATCH/DELETE, but not POST _search) ends its
 * response only once its event's batch has committed; reads and searches answer at once and their
 * event joins the next batch (a crash in those few milliseconds can lose it: README "Audit trail").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FhirRequest, FhirResult } from '../rest/types';
import { anonymousAccess, operatorAccess, type AccessPolicy } from '../repository/access';
import type { Grant } from '../auth/grant';
import { classify, type Classified } from './classify';
import { auditEvent, type AuditCaller, type AuditFacts, type FailedEntry } from './event';
import { patientsOf } from './patients';
import type { AuditWriter } from './writer';

/** What the FHIR router leaves in `res.locals.fhir` for the audit trail (http/router.ts). */
export interface RoutedRequest {
  interaction: string;
  request: FhirRequest;
  access: AccessPolicy;
  result?: FhirResult;
}

export interface AuditRequestsOptions {
  writer: AuditWriter;
  baseUrl: string;
  auth: 'open' | 'smart';
  log: (event: Record<string, unknown>) => void;
}

type Locals = { fhir?: RoutedRequest; grant?: Grant };
type Res = ServerResponse & { locals?: Locals };
type Req = IncomingMessage & { originalUrl?: string; body?: unknown };

const MAX_TOUCHED = 100;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const REQUEST_ID = /^[A-Za-z0-9\-._:]{1,128}$/;

/** The middleware; mount it on /fhir and /auth/token before anything that may answer. */
export function auditRequests(options: AuditRequestsOptions): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req: Req, res: Res, next) => {
    const start = new Date();
    const url = req.originalUrl ?? req.url ?? '/';
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    let recorded = false;
    const record = (chunk: unknown, closedEarly: boolean) => {
      try {
        return options.writer.record(auditEvent(factsOf(req, res, { url, start, chunk, closedEarly, options })));
      } catch (err) {
        options.log({ level: 'error', msg: 'audit event could not be built', url, error: err instanceof Error ? err.stack : String(err) });
        return Promise.resolve();
      }
    };
    res.end = function auditedEnd(...args: unknown[]) {
      if (recorded) return end(...args);
      recorded = true;
      const committed = record(typeof args[0] === 'function' ? undefined : args[0], false);
      if (!waitsForAudit(req.method ?? 'GET', url)) return end(...args);
      void committed.then(() => end(...args));
      return res;
    } as ServerResponse['end'];
    res.once('close', () => {
      if (!recorded) {
        recorded = true;
        void record(undefined, true);
      }
    });
    // Backpressure: while the audit writer holds RELAY_AUDIT_QUEUE_MAX events, new requests wait for room.
    const wait = options.writer.waitForRoom();
    if (wait) void wait.then(next);
    else next();
  };
}

/** Requests that may change data wait for their audit batch (POST _search and the token endpoint do not). */
function waitsForAudit(method: string, url: string): boolean {
  const path = url.split('?')[0];
  return ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && path.startsWith('/fhir') && !/\/_search\/?$/.test(path);
}

interface Moment {
  url: string;
  start: Date;
  chunk: unknown;
  closedEarly: boolean;
  options: AuditRequestsOptions;
}

function factsOf(req: Req, res: Res, { url, start, chunk, closedEarly, options }: Moment): AuditFacts {
  const [path, query] = splitUrl(url);
  const token = !path.startsWith('/fhir');
  const routed = res.locals?.fhir;
  const what = token ? { code: 'operation' } : refine(classify(req.method ?? 'GET', path.slice('/fhir'.length)), routed);
  const bundle = what.code === 'transaction' || what.code === 'batch';
  // A Bundle's patients come from its request entries (what was asked for, denied entries included).
  const body = bundle ? routed?.request.body : (routed?.result?.body ?? routed?.request.body);
  const status = closedEarly && !res.headersSent ? 499 : res.statusCode;
  const form = routed?.request.form;
  return {
    endpoint: token ? 'token' : 'fhir',
    method: req.method ?? 'GET',
    path,
    what,
    query: form ? new URLSearchParams(Object.entries(form).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]))).toString() : query,
    status,
    outcomeText: closedEarly ? 'the connection closed before the response was complete' : status >= 400 ? failureText(chunk) : undefined,
    start,
    end: new Date(),
    requestId: headerText(res.getHeader('X-Request-Id')) ?? requestIdOf(req.headers['x-request-id']),
    caller: token ? tokenCaller(req, status) : callerOf(routed?.access, res.locals?.grant, options.auth),
    address: req.socket?.remoteAddress,
    touched: token ? [] : touched(what, routed),
    failedEntries: what.code === 'batch' ? failedEntries(routed) : [],
    patients: token ? [] : patientsOf(what, body, { ...routed?.request.query, ...form }, options.baseUrl),
    baseUrl: options.baseUrl,
  };
}

/** The router's facts win: POST [base] is a batch or a transaction as its Bundle says. */
function refine(what: Classified, routed: RoutedRequest | undefined): Classified {
  if (what.code !== 'transaction' || !routed) return what;
  const type = (routed.request.body as { type?: unknown } | undefined)?.type;
  return type === 'batch' ? { code: 'batch' } : what;
}

/** The resources a request read or wrote: its instance, the version answered, or a Bundle's entry locations. */
function touched(what: Classified, routed: RoutedRequest | undefined): string[] {
  const result = routed?.result;
  if (what.code === 'transaction' || what.code === 'batch') {
    const entries = (result?.body as { entry?: { response?: { location?: string } }[] } | undefined)?.entry ?? [];
    return entries.flatMap((e) => (e.response?.location ? [e.response.location] : [])).slice(0, MAX_TOUCHED);
  }
  if (result?.version) return [`${result.version.type}/${result.version.id}/_history/${result.version.versionId}`];
  if (what.type && what.id && ID.test(what.id) && (!what.versionId || ID.test(what.versionId))) return [`${what.type}/${what.id}${what.versionId ? `/_history/${what.versionId}` : ''}`];
  return [];
}

/** The entries of a batch-response that failed (a batch answers 200 even when some entries were denied). */
function failedEntries(routed: RoutedRequest | undefined): FailedEntry[] {
  const entries = (routed?.result?.body as { entry?: { response?: { status?: unknown; outcome?: unknown } }[] } | undefined)?.entry ?? [];
  return entries.flatMap((e, index) => {
    const status = Number.parseInt(String(e?.response?.status ?? ''), 10);
    return status >= 400 ? [{ index, status, text: failureText(JSON.stringify(e.response?.outcome ?? {})) }] : [];
  });
}

function callerOf(access: AccessPolicy | undefined, grant: Grant | undefined, auth: 'open' | 'smart'): AuditCaller {
  const policy = access ?? (grant ? undefined : auth === 'open' ? operatorAccess : anonymousAccess);
  const g = access?.grant ?? grant;
  const actor = policy?.actor ?? { reference: g?.fhirUser ?? `Device/${g?.clientId}`, display: `client ${g?.clientId}` };
  return { ...actor, clientId: g?.clientId, tokenId: g?.tokenId };
}

/** The token endpoint's caller: the client its assertion claims to be (verified only when the answer is 200). */
function tokenCaller(req: Req, status: number): AuditCaller {
  const assertion = (req.body as Record<string, unknown> | undefined)?.client_assertion;
  let sub: unknown;
  try {
    sub = typeof assertion === 'string' ? JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')).sub : undefined;
  } catch {
    sub = undefined;
  }
  if (typeof sub !== 'string' || !/^[A-Za-z0-9\-._~]{1,64}$/.test(sub)) return { reference: 'anonymous', display: 'an unidentified client' };
  return { reference: `Device/${sub}`, display: status < 400 ? `client ${sub}` : `client ${sub} (claimed, not verified)`, clientId: sub };
}

/** The text of an OperationOutcome (or an OAuth error) answered as one JSON chunk. */
function failureText(chunk: unknown): string | undefined {
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
  if (!text || text.length > 100_000) return undefined;
  try {
    const body = JSON.parse(text) as { resourceType?: string; issue?: { diagnostics?: string; details?: { text?: string } }[]; error?: string; error_description?: string };
    if (body.resourceType === 'OperationOutcome') return (body.issue ?? []).map((i) => i.diagnostics ?? i.details?.text ?? '').filter(Boolean).join('; ') || undefined;
    if (typeof body.error === 'string') return `${body.error}${body.error_description ? `: ${body.error_description}` : ''}`;
  } catch {
    return undefined;
  }
  return undefined;
}

function splitUrl(url: string): [string, string | undefined] {
  const q = url.indexOf('?');
  return q < 0 ? [url, undefined] : [url.slice(0, q), url.slice(q + 1)];
}

/** The client's X-Request-Id where Relay set none (/auth/token), kept only if it has the shape /fhir accepts (http/server.ts). */
function requestIdOf(value: unknown): string | undefined {
  const text = headerText(value);
  return text && REQUEST_ID.test(text) ? text : undefined;
}

function headerText(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
