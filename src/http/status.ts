/** The one place that decides HTTP status codes: from a result kind or a failure kind. */
import type { FailureKind } from '../fhir/outcome';
import type { ResultKind } from '../rest/types';

export const FAILURE_STATUS: Record<FailureKind, number> = {
  invalid: 400,
  'not-found': 404,
  'method-not-allowed': 405,
  'not-acceptable': 406,
  conflict: 409,
  gone: 410,
  'precondition-failed': 412,
  'too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  internal: 500,
  unavailable: 503,
};

export const RESULT_STATUS: Record<ResultKind, number> = {
  ok: 200,
  created: 201,
  'not-modified': 304,
};
