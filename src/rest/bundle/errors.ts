/**
 * Errors of one entry, restated for the whole Bundle: every issue's message says which entry it is
 * about, and every expression points into that entry (`Patient.name[0].family` in entry 3 becomes
 * `Bundle.entry[3].resource.name[0].family`; a problem with the request, `Bundle.entry[3].request.url`).
 */
import type { Issue } from '../../fhir/outcome';
import { OperationOutcomeError, outcome } from '../../fhir/outcome';
import { entryPath } from './entries';

/** What an entry's errors need to know about it. */
export interface EntryLabel {
  index: number;
  method?: string;
  url?: string;
  /** The entry's request: its type and its body's (a PATCH's Parameters) are the roots of the handlers' issue paths. */
  request?: { type?: string; body?: unknown };
}

/**
 * `err` restated for entry `entry` (other errors are returned unchanged). With `element`, every issue
 * points at that element of the entry (`request.ifNoneExist`); otherwise each issue's own expression is
 * moved into the entry.
 */
export function atEntry(err: unknown, entry: EntryLabel, element?: string): unknown {
  if (!(err instanceof OperationOutcomeError)) return err;
  const label = entry.method && entry.url !== undefined ? `${entryPath(entry.index)} (${entry.method} ${entry.url})` : entryPath(entry.index);
  const issues = (err.outcome.issue ?? []).map((i): Issue => {
    const original = i.details?.text ?? i.diagnostics ?? 'the entry failed';
    const text = original.startsWith('Bundle.entry[') ? original : `${label}: ${original}`;
    const expression = element ? [entryPath(entry.index, element)] : moved(i, entry, original);
    return { ...i, details: { ...i.details, text }, diagnostics: text, expression };
  });
  return new OperationOutcomeError(err.kind, outcome(issues));
}

/** The issue's expressions moved into the entry; an issue without one points at the part of the request it is about. */
function moved(issue: Issue, entry: EntryLabel, text: string): string[] {
  const own = issue.expression ?? [];
  if (own.length === 0) return [entryPath(entry.index, requestElement(text))];
  return own.map((e) => {
    if (e.startsWith('Bundle.entry[')) return e;
    for (const type of rootsOf(entry)) {
      if (e === type || e.startsWith(`${type}.`) || e.startsWith(`${type}[`)) return entryPath(entry.index, `resource${e.slice(type.length)}`);
    }
    if (e === 'resourceType') return entryPath(entry.index, 'resource.resourceType');
    // A JSON Patch operation (`[2].path`): the patch is the base64 data of the entry's Binary.
    if (/^\[\d+\]/.test(e) && Array.isArray(entry.request?.body)) return entryPath(entry.index, 'resource.data');
    // Anything else names a search parameter of the URL or of If-None-Exist.
    return entryPath(entry.index, requestElement(text));
  });
}

/** The request element a message is about: the conditional headers name themselves, the rest concerns the URL. */
function requestElement(text: string): string {
  if (text.startsWith('If-None-Exist')) return 'request.ifNoneExist';
  if (text.startsWith('If-Match')) return 'request.ifMatch';
  return 'request.url';
}

/** Resource types whose paths lead into entry.resource: the URL's type and the body's own. */
function rootsOf(entry: EntryLabel): string[] {
  const body = entry.request?.body as { resourceType?: unknown } | undefined;
  const own = body && typeof body === 'object' && typeof body.resourceType === 'string' ? body.resourceType : undefined;
  return [entry.request?.type, own].filter((t): t is string => t !== undefined);
}
