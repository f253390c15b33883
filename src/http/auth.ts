/**
 * The HTTP edge of authorization (SMART App Launch 2.x backend services): the bearer check in front
 * of the FHIR API (RFC 6750: 401 with WWW-Authenticate and an OperationOutcome coded `login`), the
 * token endpoint (RFC 6749 form in, JSON out, errors as `{ error, error_description }`), the JWKS
 * and the SMART discovery document.
 */
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { issue, outcome } from '../fhir/outcome';
import { BearerError, OAuthError } from '../auth/errors';
import type { AuthRuntime } from '../auth/runtime';
import type { Logger } from './errors';

/** Requests that need no token: the CapabilityStatement and SMART discovery (SMART App Launch 2.x conformance.html). */
const OPEN_PATHS = /^\/(metadata|\.well-known\/smart-configuration)\/?$/;

/** Verifies the bearer token of every FHIR request but metadata and discovery; puts the grant in res.locals.grant. */
export function requireBearer(auth: AuthRuntime): RequestHandler {
  return (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && OPEN_PATHS.test(req.path)) return next();
    auth.verify(req.get('authorization')).then(
      (grant) => {
        res.locals.grant = grant;
        next();
      },
      (err: unknown) => {
        if (!(err instanceof BearerError)) return next(err);
        res.status(401).setHeader('WWW-Authenticate', err.challenge(auth.realm));
        res.setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
        res.end(JSON.stringify(outcome([issue('error', 'login', err.description)])));
      },
    );
  };
}

/** GET [base]/.well-known/smart-configuration. */
export function smartConfigurationRoute(auth: AuthRuntime): RequestHandler {
  return (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json(auth.smartConfiguration());
  };
}

/** /auth: POST token, GET jwks.json. */
export function authRouter(auth: AuthRuntime, log: Logger): Router {
  const router = express.Router();
  router.get('/jwks.json', (_req, res) => {
    res.json(auth.jwks());
  });
  router.post('/token', express.urlencoded({ extended: false, limit: '64kb', type: () => true }), async (req, res, next) => {
    try {
      if (!req.is('application/x-www-form-urlencoded')) throw new OAuthError('invalid_request', 'the token request must be application/x-www-form-urlencoded');
      const form: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries((req.body ?? {}) as Record<string, string | string[]>)) {
        if (Array.isArray(value)) throw new OAuthError('invalid_request', `${name} is given more than once`);
        form[name] = value;
      }
      sendToken(res, 200, await auth.token(form));
    } catch (err) {
      if (err instanceof OAuthError) return sendToken(res, err.status, err.body());
      next(err);
    }
  });
  router.all('/token', (_req, res) => sendToken(res.setHeader('Allow', 'POST'), 405, { error: 'invalid_request', error_description: 'use POST' }));
  router.use((_req, res) => sendToken(res, 404, { error: 'invalid_request', error_description: 'no such authorization endpoint; see /fhir/.well-known/smart-configuration' }));
  const errors: ErrorRequestHandler = (err, req, res, _next) => {
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      return sendToken(res, status, { error: 'invalid_request', error_description: status === 413 ? 'the request body is too large' : 'the request body could not be read' });
    }
    log({ level: 'error', msg: 'unhandled error', method: req.method, url: req.originalUrl, error: err instanceof Error ? err.stack : String(err) });
    sendToken(res, 500, { error: 'server_error', error_description: 'internal error; the server log has the details' });
  };
  router.use(errors);
  return router;
}

function sendToken(res: express.Response, status: number, body: object): void {
  res.status(status).setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.json(body);
}
