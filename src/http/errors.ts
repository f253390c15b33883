/** The error handler: every failure a client sees is an OperationOutcome with the status of rest/status.ts. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { fail, OperationOutcomeError } from '../fhir/outcome';
import { FAILURE_STATUS } from '../rest/status';
import { bodyParserError } from './body';
import { sendBody } from './respond';
import { FHIR_JSON } from './negotiation';

export type Logger = (event: Record<string, unknown>) => void;

/** Express error middleware turning any error into an OperationOutcome response. */
export function errorHandler(limitBytes: number, log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof OperationOutcomeError ? err : bodyParserError(err, limitBytes);
    const error =
      known instanceof OperationOutcomeError
        ? known
        : fail('internal', 'exception', `internal error (request ${String(res.getHeader('X-Request-Id') ?? '')}); the server log has the details`);
    if (!(known instanceof OperationOutcomeError)) {
      log({ level: 'error', msg: 'unhandled error', method: req.method, url: req.originalUrl, error: err instanceof Error ? err.stack : String(err) });
    }
    if (res.headersSent) return;
    res.status(FAILURE_STATUS[error.kind]);
    sendBody(res, error.outcome, { mediaType: FHIR_JSON, pretty: false });
  };
}

/** The last route: nothing under the FHIR base answered this method and path. */
export const noRoute: RequestHandler = (req, _res, next) => {
  next(fail('not-found', 'not-supported', `no FHIR interaction at ${req.method} ${req.originalUrl.split('?')[0]}`));
};
