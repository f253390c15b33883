/**
 * The hardening of the HTTP edge, wired by server.ts: security headers (headers.ts), the CORS
 * allow-list (cors.ts) and the per-client rate limit (rate-limit.ts). Body size and JSON nesting
 * limits live with the body parser (../body.ts); Node itself caps the request line and headers at
 * 16 KB (server.ts answerClientErrors answers 431).
 */
import type { RequestHandler } from 'express';
import { issue, outcome } from '../../fhir/outcome';
import { securityHeaders } from './headers';
import { corsAllowList } from './cors';
import { addressKey, clientKey, rateLimit, TokenBuckets } from './rate-limit';

export interface HardeningOptions {
  /** The public FHIR base URL (RELAY_BASE_URL): its origin is Relay's own, https turns on HSTS. */
  baseUrl: string;
  /** RELAY_CORS_ORIGINS, normalised; empty: no CORS headers, and web origins other than Relay's own refused. */
  corsOrigins: readonly string[];
  /** RELAY_RATE_LIMIT: requests per minute per client; 0: no limit. */
  rateLimit: number;
}

export interface Hardening {
  /** Security headers and CORS, in front of everything (also /healthz and errors). */
  edge: RequestHandler[];
  /** The rate limit of /fhir, after the bearer check: per token client, else per remote address. */
  limitFhir: RequestHandler;
  /** The rate limit of /auth (the token endpoint), per remote address. */
  limitAuth: RequestHandler;
}

const pass: RequestHandler = (_req, _res, next) => next();

export function hardening(options: HardeningOptions): Hardening {
  const base = new URL(options.baseUrl);
  // The allow-list runs also when empty: it then refuses every web origin but Relay's own.
  const edge = [securityHeaders({ https: base.protocol === 'https:' }), corsAllowList(options.corsOrigins, base.origin)];
  if (options.rateLimit <= 0) return { edge, limitFhir: pass, limitAuth: pass };
  return {
    edge,
    limitFhir: rateLimit(new TokenBuckets(options.rateLimit), clientKey, (res, wait, perMinute) => {
      const text = `too many requests: each client may make ${perMinute} per minute (RELAY_RATE_LIMIT); retry after ${wait} s`;
      res.setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
      res.end(JSON.stringify(outcome([issue('error', 'throttled', text)])));
    }),
    // The token endpoint answers in RFC 6749 JSON; temporarily_unavailable is the registered code closest to "slow down".
    limitAuth: rateLimit(new TokenBuckets(options.rateLimit), addressKey, (res, wait, perMinute) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ error: 'temporarily_unavailable', error_description: `too many requests from this address: at most ${perMinute} per minute (RELAY_RATE_LIMIT); retry after ${wait} s` });
    }),
  };
}
