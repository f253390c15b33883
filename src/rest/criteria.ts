/**
 * Conditional criteria (R4 http.html#ccreate, #cond-update, #3.1.0.7.1): the search parameters of an
 * If-None-Exist header, or of a conditional update or delete URL, parsed as a search on the type.
 *
 * Criteria are always parsed strictly, whatever `Prefer: handling` says. A lenient search ignores a
 * misspelt parameter (`identifer=…`); as criteria that would match every resource or none, so a
 * conditional create would silently create a duplicate each time and a conditional delete would act
 * on resources the client never meant. Result parameters (`_count`, `_sort`, `_include`, …) and
 * parameters without a value are refused for the same reason: they do not select anything.
 */
import { OperationOutcomeError, invalid, outcome } from '../fhir/outcome';
import { parseSearch } from '../search/parse/index';
import type { ConditionalCriteria } from '../repository/conditional';

/** Honoured by the HTTP layer (response format), not part of the criteria. */
const TRANSPORT = new Set(['_format', '_pretty']);
/** Shape the result without selecting anything. */
const RESULT = /^_(count|sort|total|summary|elements|cursor|contained|containedType|include|revinclude)(:.*)?$/;

/** Criteria from an If-None-Exist header: a query string, optionally written as `?…` or `[type]?…`. */
export function criteriaFromHeader(type: string, header: string): ConditionalCriteria {
  const source = 'If-None-Exist';
  let text = header.trim();
  const mark = text.indexOf('?');
  if (mark >= 0 && !text.slice(0, mark).includes('=')) {
    const prefix = text.slice(0, mark);
    if (prefix !== '' && prefix !== type) throw invalid(`${source} searches ${JSON.stringify(prefix)}, but the request creates a ${type}; give the criteria as "name=value&…"`);
    text = text.slice(mark + 1);
  }
  const params: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) (params[key] ??= []).push(value);
  return parseCriteria(type, params, source);
}

/** Criteria from the query string of a conditional update or delete (`source` names it in messages). */
export function criteriaFromQuery(type: string, query: Record<string, string[]>, source: string): ConditionalCriteria {
  return parseCriteria(type, query, source);
}

function parseCriteria(type: string, all: Record<string, string[]>, source: string): ConditionalCriteria {
  const params = Object.fromEntries(Object.entries(all).filter(([key]) => !TRANSPORT.has(key)));
  const keys = Object.keys(params);
  if (keys.length === 0) throw invalid(`${source} needs search parameters that select the resource, e.g. identifier=system|value`);
  for (const key of keys) {
    if (RESULT.test(key)) throw invalid(`${source}: ${key} shapes search results but selects nothing; conditional criteria take search parameters only`, key);
  }
  let parsed: ReturnType<typeof parseSearch>;
  try {
    parsed = parseSearch(type, params, { strict: true });
  } catch (err) {
    throw prefixed(err, source);
  }
  const empty = parsed.ignored[0];
  if (empty !== undefined) throw invalid(`${source}: search parameter ${empty} has no value`, empty);
  if (parsed.query.filters.length === 0) throw invalid(`${source} needs search parameters that select the resource, e.g. identifier=system|value`);
  const canonical = Object.entries(params)
    .flatMap(([key, values]) => values.map((value) => `${key}=${value}`))
    .sort()
    .join('&');
  return { type, canonical, query: { resourceType: type, filters: parsed.query.filters, sort: [], include: [], revinclude: [], total: 'accurate' } };
}

/** The parser's error with every message saying which criteria it is about. */
function prefixed(err: unknown, source: string): unknown {
  if (!(err instanceof OperationOutcomeError)) return err;
  const issues = (err.outcome.issue ?? []).map((i) => {
    const text = `${source}: ${i.details?.text ?? i.diagnostics ?? 'invalid criteria'}`;
    return { ...i, details: { ...i.details, text }, diagnostics: text };
  });
  return new OperationOutcomeError(err.kind, outcome(issues));
}
