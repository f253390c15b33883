/**
 * The contract between extraction (at write time) and query compilation/matching (at search time):
 * the shape of the search index values stored beside each resource.
 *
 * The current-version document of a resource (repository/documents.ts CurrentDoc) carries
 *   sp:   { [parameterCode]: IndexValue[] }   one array per search parameter with at least one value
 *   sort: { [parameterCode]: string | number } one scalar per parameter that can sort (see below)
 * Parameter codes are the SearchParameter.code values of the registry (e.g. "name", "subject",
 * "code-value-quantity", "_tag"); they never come from user input, so a query can never inject a
 * field name. `_id` and `_lastUpdated` are answered from the document's own `_id` and `lastUpdatedMs`.
 *
 * Every value below is a plain JSON object with short keys (they are stored for every resource).
 * Optional keys are omitted, never null, so `{ s: { $exists: false } }` means "no system".
 */

/** string: `n` folded for the default prefix/contains match (lower case, accents removed, whitespace collapsed); `e` exact. */
export interface StringValue {
  n: string;
  e: string;
}

/**
 * token (Coding, CodeableConcept, Identifier, ContactPoint, code, boolean, string, uri used as token):
 * `s` system, `c` code (Identifier.value, ContactPoint.value, "true"/"false" for booleans),
 * `k` both together when both are present (tokenKey below: one equality index then answers
 * `system|code` exactly), `t` folded display/text (for :text: Coding.display, CodeableConcept.text,
 * Identifier.type.text), `ts`/`tc` Identifier.type coding (for :of-type).
 */
export interface TokenValue {
  s?: string;
  c?: string;
  k?: string;
  t?: string;
  ts?: string;
  tc?: string;
}

/**
 * The `k` of a token value: `system|code` as in a search, with `\` and `|` inside the system escaped
 * by a backslash, so that no two (system, code) pairs share a key.
 */
export function tokenKey(system: string, code: string): string {
  return `${system.replace(/[\\|]/g, '\\$&')}|${code}`;
}

/**
 * reference: `r` the reference as it should match: "Type/id" for a reference to this server
 * (relative, or absolute on our base URL), otherwise the absolute URL or canonical as written
 * (without "|version"); `typ` and `id` when the target type and id are known; `v` a version
 * (from "/_history/n" or "|version"); `is`/`ic` Reference.identifier system/value (for :identifier).
 */
export interface ReferenceValue {
  r?: string;
  typ?: string;
  id?: string;
  v?: string;
  is?: string;
  ic?: string;
}

/** date (date, dateTime, instant, Period, Timing): the half-open range [lo, hi) in epoch ms. Open ends use ±8.64e15. */
export interface DateValue {
  lo: number;
  hi: number;
}

/** number: the value and its implicit range by precision ([v - ½ unit of last digit, v + ½)). */
export interface NumberValue {
  v: number;
  lo: number;
  hi: number;
}

/** quantity (Quantity, Money, SimpleQuantity, Duration, Age...): number range plus `s` system, `c` code, `u` unit. */
export interface QuantityValue extends NumberValue {
  s?: string;
  c?: string;
  u?: string;
}

/** uri (uri, url, canonical): `u` as written (canonicals without "|version"). */
export interface UriValue {
  u: string;
}

/**
 * composite: one object per evaluated element (e.g. per Observation and per Observation.component),
 * keyed by the component parameter's code, each holding that component's values.
 */
export type CompositeValue = Record<string, IndexValue[]>;

export type IndexValue = StringValue | TokenValue | ReferenceValue | DateValue | NumberValue | QuantityValue | UriValue | CompositeValue;

/** Search index values of one resource: parameter code → values (only non-empty arrays present). */
export type SearchIndex = Record<string, IndexValue[]>;

/**
 * Sort keys of one resource: parameter code → one scalar. string: the smallest folded value; token:
 * the smallest code; date: the smallest lo; number/quantity: the smallest v; reference: the smallest r;
 * uri: the smallest u. Composite and special parameters do not sort.
 */
export type SortKeys = Record<string, string | number>;

export const OPEN_LOW = -8.64e15;
export const OPEN_HIGH = 8.64e15;
