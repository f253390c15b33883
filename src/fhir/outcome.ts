/**
 * OperationOutcome construction and the one error type every layer throws. The error names a
 * failure kind; rest/status.ts maps kinds to status codes in one table.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type FailureKind =
  | 'invalid'
  | 'unprocessable'
  | 'forbidden'
  | 'not-found'
  | 'gone'
  | 'method-not-allowed'
  | 'not-acceptable'
  | 'conflict'
  | 'precondition-failed'
  | 'too-large'
  | 'unsupported-media-type'
  | 'internal'
  | 'not-implemented'
  | 'unavailable';

export type Issue = OperationOutcomeIssue;
export type IssueCode = OperationOutcomeIssue['code'];

/** One issue with a human message and, where it applies, the FHIRPath of the offending element. */
export function issue(severity: Issue['severity'], code: IssueCode, text: string, expression?: string | string[]): Issue {
  const out: Issue = { severity, code, details: { text }, diagnostics: text };
  if (expression !== undefined) out.expression = Array.isArray(expression) ? expression : [expression];
  return out;
}

export function outcome(issues: Issue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** An informational OperationOutcome (e.g. for `Prefer: return=OperationOutcome`). */
export function informational(text: string): OperationOutcome {
  return outcome([issue('information', 'informational', text)]);
}

/** The single error type: a failure kind plus the OperationOutcome the client will see. */
export class OperationOutcomeError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly outcome: OperationOutcome,
  ) {
    super(outcome.issue?.map((i) => i.details?.text ?? i.diagnostics).join('; ') ?? kind);
    this.name = 'OperationOutcomeError';
  }
}

/** Throws-ready error with one error issue. */
export function fail(kind: FailureKind, code: IssueCode, text: string, expression?: string | string[]): OperationOutcomeError {
  return new OperationOutcomeError(kind, outcome([issue('error', code, text, expression)]));
}

export const invalid = (text: string, expression?: string | string[]) => fail('invalid', 'invalid', text, expression);
export const notFound = (text: string) => fail('not-found', 'not-found', text);
export const gone = (text: string) => fail('gone', 'deleted', text);
export const conflict = (text: string) => fail('conflict', 'conflict', text);
export const preconditionFailed = (text: string) => fail('precondition-failed', 'conflict', text);
