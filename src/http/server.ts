/**
 * The Express application: request ids, body limits, the FHIR router under /fhir, errors as
 * OperationOutcomes; with SMART auth also /auth, discovery and the bearer check (./auth.ts).
 */
import express, { type Express } from 'express';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { issue, outcome } from '../fhir/outcome';
import type { RequestContext } from '../rest/types';
import { fhirRouter } from './router';
import { errorHandler, noRoute, type Logger } from './errors';
import { rawBody } from './body';
import type { AuthRuntime } from '../auth/runtime';
import type { Grant } from '../auth/grant';
import { authRouter, requireBearer, smartConfigurationRoute } from './auth';
import { hardening, type HardeningOptions } from './hardening';
import { RAW_SECURITY_HEADERS } from './hardening/headers';

export interface HttpOptions {
  maxBodyBytes: number;
  /** Builds the context of one request from its id and, on a `smart` server, what its token grants. */
  contextFor: (requestId: string, grant?: Grant) => RequestContext;
  /** Set when RELAY_AUTH is smart: /auth, discovery, and a bearer token on every other FHIR request. */
  auth?: AuthRuntime;
  /** The body of GET /healthz. */
  health: () => Record<string, unknown>;
  log: Logger;
  /** Records an AuditEvent for every request under /fhir and to /auth/token (src/audit/http.ts). */
  audit?: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  /** Security headers, CORS allow-list and rate limit (./hardening). */
  hardening: HardeningOptions;
}

const REQUEST_ID = /^[A-Za-z0-9\-._:]{1,128}$/;

/** The application type main.ts listens with and tests drive with supertest. */
export type HttpApp = Express;

export function createHttpApp(options: HttpOptions): HttpApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const guard = hardening(options.hardening);
  // The audit watches every response, a CORS or rate-limit refusal of the edge included.
  if (options.audit) app.use(['/fhir', '/auth/token'], options.audit);
  app.use(guard.edge);
  app.get('/healthz', (_req, res) => {
    res.json(options.health());
  });
  app.use('/fhir', (req, res, next) => {
    const given = req.get('x-request-id');
    res.setHeader('X-Request-Id', given && REQUEST_ID.test(given) ? given : randomUUID());
    next();
  });
  if (options.auth) {
    app.use('/auth', guard.limitAuth, authRouter(options.auth, options.log));
    app.get('/fhir/.well-known/smart-configuration', smartConfigurationRoute(options.auth));
    app.use('/fhir', requireBearer(options.auth));
  }
  app.use('/fhir', guard.limitFhir);
  app.use('/fhir', rawBody(options.maxBodyBytes));
  app.use('/fhir', fhirRouter((_req, res) => options.contextFor(String(res.getHeader('X-Request-Id')), res.locals.grant as Grant | undefined)));
  // Any other path too: a 404 OperationOutcome with Relay's headers rather than Express's HTML page.
  app.use(noRoute);
  app.use(errorHandler(options.maxBodyBytes, options.log));
  return app;
}

/**
 * Answers requests Node rejects before Express sees them (a head over 16 KB, a malformed request
 * line) with an OperationOutcome instead of a bare status line.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const text = status === 431 ? 'the request line and headers are larger than 16 KB; shorten the URL (or use POST _search)' : `the request could not be parsed as HTTP (${err.code ?? err.message})`;
    const body = JSON.stringify(outcome([issue('error', status === 431 ? 'too-costly' : 'structure', text)]));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/fhir+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${RAW_SECURITY_HEADERS}Connection: close\r\n\r\n${body}`,
    );
  });
}
