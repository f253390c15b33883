/**
 * Mounts every interaction of rest/interactions.ts under the FHIR base: negotiates the format, parses
 * the body, builds the request context, runs the handler and sends its result.
 */
import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import type { FhirRequest, Handler, RequestContext } from '../rest/types';
import { INTERACTIONS, type Interaction } from '../rest/interactions';
import { fail } from '../fhir/outcome';
import { isRawUpload, lingerThenClose, parseJsonBody } from './body';
import { JSON_PATCH } from '../patch/index';
import { FHIR_JSON, responseType } from './negotiation';
import { parsePrefer } from '../fhir/prefer';
import { sendResult } from './respond';

const FORM = 'application/x-www-form-urlencoded';

export type ContextFactory = (req: Request, res: Response) => RequestContext;

/** The FHIR API router; `contextFor` builds the per-request context (caller, repository, base URL). */
export function fhirRouter(contextFor: ContextFactory): Router {
  const router = express.Router({ strict: false });
  const byPath = new Map<string, Interaction[]>();
  for (const interaction of INTERACTIONS) byPath.set(interaction.path, [...(byPath.get(interaction.path) ?? []), interaction]);
  for (const [path, interactions] of byPath) {
    const route = router.route(path);
    const mounted = new Set<string>();
    for (const interaction of interactions) {
      // Rows sharing a method and path share their handler (POST / serves both batch and transaction): mount the first.
      if (mounted.has(interaction.method)) continue;
      mounted.add(interaction.method);
      route[interaction.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](run(interaction, contextFor));
    }
    const allowed = [...new Set(interactions.map((i) => i.method))];
    route.all((req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Allow', allowed.join(', '));
      next(fail('method-not-allowed', 'not-supported', `${req.method} is not supported at ${req.baseUrl}${path.replace(/:(\w+)/g, '[$1]')}; allowed: ${allowed.join(', ')}`));
    });
  }
  return router;
}

function run(interaction: Interaction, contextFor: ContextFactory) {
  const handler: Handler = interaction.handler;
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const query = queryOf(req);
      // A Binary read may answer its content in its own media type: negotiated by the handler, and
      // FHIR JSON only checked when the answer is a resource.
      const binaryRead = param(req, 'type') === 'Binary' && (interaction.code === 'read' || interaction.code === 'vread');
      const negotiate = () => responseType(req.get('accept'), query._format?.[0]);
      const mediaType = binaryRead ? undefined : negotiate();
      const fhirRequest: FhirRequest = {
        method: req.method,
        type: param(req, 'type'),
        id: param(req, 'id'),
        versionId: param(req, 'versionId'),
        query,
        ...bodyOf(req, interaction),
        headers: {
          ifMatch: req.get('if-match'),
          ifNoneMatch: req.get('if-none-match'),
          ifModifiedSince: req.get('if-modified-since'),
          prefer: req.get('prefer'),
          ifNoneExist: req.get('if-none-exist'),
          accept: req.get('accept'),
          range: req.get('range'),
          ifRange: req.get('if-range'),
        },
      };
      const ctx = contextFor(req, res);
      // For the audit trail (src/audit/http.ts): what ran, for whom, and its result.
      const seen = (res.locals.fhir = { interaction: interaction.code, request: fhirRequest, access: ctx.access } as { result?: unknown });
      const result = await handler(ctx, fhirRequest);
      seen.result = result;
      await sendResult(res, result, {
        baseUrl: ctx.baseUrl,
        mediaType: mediaType ?? (result.content || result.kind !== 'ok' ? FHIR_JSON : negotiate()),
        head: req.method === 'HEAD',
        pretty: query._pretty?.[0] === 'true',
        prefer: parsePrefer(req.get('prefer')),
        honoursReturn: interaction.code === 'create' || interaction.code === 'update' || interaction.code === 'patch',
      });
    } catch (err) {
      if (isRawUpload(req) && !req.complete) lingerThenClose(req, res);
      next(err);
    }
  };
}

/** The body as JSON, or as form parameters where the interaction takes a form (POST _search). */
function bodyOf(req: Request, interaction: Interaction): Pick<FhirRequest, 'body' | 'form' | 'contentType' | 'upload'> {
  const contentType = req.get('content-type');
  if (isRawUpload(req)) {
    const length = req.get('content-length');
    return { upload: { content: req, contentType: (contentType as string).trim(), length: length === undefined ? undefined : Number(length) } };
  }
  const mediaType = contentType?.split(';')[0].trim().toLowerCase() || undefined;
  if (interaction.acceptsForm && mediaType === FORM) {
    return { form: paramsOf(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : ''), contentType: mediaType };
  }
  // PATCH also takes a JSON Patch document (R4 http.html#patch).
  // Takes the raw bytes from req.body: a large transaction's would otherwise live until its response.
  const body = parseJsonBody(req, contentType, interaction.code === 'patch' ? [JSON_PATCH] : []);
  return { body, contentType: mediaType };
}

/** Query parameters with every repeated value kept, in order. */
function queryOf(req: Request): Record<string, string[]> {
  const qs = req.originalUrl.indexOf('?');
  return qs < 0 ? {} : paramsOf(req.originalUrl.slice(qs + 1));
}

function paramsOf(text: string): Record<string, string[]> {
  // No prototype: a parameter named `constructor` or `__proto__` is just a parameter.
  const out: Record<string, string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) (out[key] ??= []).push(value);
  return out;
}

function param(req: Request, name: string): string | undefined {
  const value = (req.params as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join('/') : value;
}
