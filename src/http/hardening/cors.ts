/**
 * CORS allow-list (RELAY_CORS_ORIGINS; Fetch standard, CORS protocol). Only listed origins get CORS
 * headers. A request whose Origin is neither listed nor Relay's own origin is refused with 403 (a
 * preflight as well as a "simple" request), so a web page on another origin cannot even make a
 * write a browser would let through without asking (a text/plain POST to /fhir/Binary, a form POST).
 * Requests without Origin (curl, EHR back ends) are not affected.
 */
import type { RequestHandler } from 'express';
import { issue, outcome } from '../../fhir/outcome';

export const CORS_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, Accept, If-Match, If-None-Exist, If-None-Match, If-Modified-Since, Prefer, X-Request-Id, Range';
export const CORS_EXPOSED_HEADERS = 'Location, ETag, Last-Modified, Content-Location, Content-Range, Content-Disposition, X-Request-Id, WWW-Authenticate, Retry-After';
/** How long a browser may cache a preflight answer (seconds). */
const MAX_AGE = '600';

/**
 * @param origins normalised origins (config.ts), or ['*'] for any origin (refused with RELAY_AUTH=open)
 * @param ownOrigin the origin of RELAY_BASE_URL: same-origin requests are not CORS and pass untouched
 */
export function corsAllowList(origins: readonly string[], ownOrigin: string): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res, next) => {
    // The answer depends on Origin (headers or 403), so caches must key on it.
    if (!any) res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined || origin === ownOrigin) return next();
    if (!any && !allowed.has(origin)) {
      const text = `requests from the web origin ${origin} are not allowed (RELAY_CORS_ORIGINS)`;
      res.status(403).setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
      res.end(JSON.stringify(outcome([issue('error', 'forbidden', text)])));
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.setHeader('Access-Control-Allow-Methods', CORS_METHODS);
      res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', MAX_AGE);
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
    next();
  };
}
