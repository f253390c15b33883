/**
 * The typed search AST (FHIR R4 search.html): what the parser produces, normalisation rewrites, the
 * compiler turns into a MongoDB filter and the in-memory matcher (the oracle) evaluates directly.
 *
 * A query is an AND of filters; a filter's `values` are an OR (comma-separated in the query string);
 * a repeated parameter gives one filter per occurrence. Fields marked "normalised" are filled in by
 * normalise.ts and are absent straight after parsing.
 *
 * Resolver contract (chains and `_has`): the compiler does not read other collections itself. It calls
 *   resolve(type, filters)               → the `_id`s of the current, non-deleted resources of `type`
 *                                          matching every filter (an AND, as in a query);
 *   resolve(type, filters, referencesOf) → the distinct `r` values of `sp.<referencesOf>` (e.g.
 *                                          "Patient/1", or an absolute URL) of those same resources.
 * A chain `subject:Patient.name=x` asks for ids of Patients; `_has:Observation:subject:code=x` asks
 * for the `subject` references of matching Observations. The filters handed over are already
 * normalised (normalisation is idempotent, so the callee may compile them with compileFilter again).
 */
import { fail } from '../fhir/outcome';
import type { SearchParamDef } from './params';

/** Comparison prefixes of number, date and quantity values. */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

export interface StringValueNode {
  kind: 'string';
  text: string;
  /** normalised: `text` case- and accent-folded like the stored `n`. */
  folded?: string;
}

/** `code` (any system), `system|code`, `|code` (system null: no system), `system|` (code absent). */
export interface TokenValueNode {
  kind: 'token';
  system?: string | null;
  code?: string;
}

/** `:of-type`: `system|code|value` against Identifier.type.coding and Identifier.value. */
export interface OfTypeValueNode {
  kind: 'of-type';
  system: string;
  code: string;
  value: string;
}

/**
 * A reference: `id` alone, `Type/id[/_history/v]` (type, id, version), or an absolute URL or
 * canonical (`url`, with `version` from `|v`). The `:Type` modifier sets `type`.
 */
export interface ReferenceValueNode {
  kind: 'reference';
  type?: string;
  id?: string;
  url?: string;
  version?: string;
  /** normalised: the exact stored `r` values that match; absent when any "Type/<id>" may match (no target list). */
  refs?: string[];
}

/** A date, dateTime or instant as its half-open range [lo, hi) in epoch ms. */
export interface DateValueNode {
  kind: 'date';
  prefix: Prefix;
  text: string;
  lo: number;
  hi: number;
  /** normalised, prefix `ap` only: the widened range [lo, hi). */
  approx?: [number, number];
}

/** A number with its implicit precision range [lo, hi) (e.g. 100 → [99.5, 100.5)). */
export interface NumberValueNode {
  kind: 'number';
  prefix: Prefix;
  text: string;
  value: number;
  lo: number;
  hi: number;
  /** normalised, prefix `ap` only: the accepted closed interval [lo, hi]. */
  approx?: [number, number];
}

/** `[prefix]number[|system|code]`; `number||code` leaves `system` absent and matches code or unit. */
export interface QuantityValueNode extends Omit<NumberValueNode, 'kind'> {
  kind: 'quantity';
  system?: string;
  code?: string;
}

export interface UriValueNode {
  kind: 'uri';
  uri: string;
}

/** One component of a composite value, keyed by the component parameter's code. */
export interface ComponentValue {
  code: string;
  value: ComponentValueNode;
}

export interface CompositeValueNode {
  kind: 'composite';
  components: ComponentValue[];
}

export type ComponentValueNode = StringValueNode | TokenValueNode | ReferenceValueNode | DateValueNode | NumberValueNode | QuantityValueNode | UriValueNode;
export type ValueNode = ComponentValueNode | OfTypeValueNode | CompositeValueNode;

/** A code system pair from a ValueSet expansion. */
export interface CodePair {
  system: string;
  code: string;
}

export interface StringFilter {
  kind: 'string';
  param: SearchParamDef;
  /** Absent: case/accent-insensitive prefix match. */
  modifier?: 'exact' | 'contains';
  values: StringValueNode[];
}

export interface TokenFilter {
  kind: 'token';
  param: SearchParamDef;
  /** `:not` (removed by normalisation, which wraps the filter in a `not` node). */
  modifier?: 'not';
  values: TokenValueNode[];
}

/** token `:text`: prefix match on the folded display/text. */
export interface TokenTextFilter {
  kind: 'token-text';
  param: SearchParamDef;
  values: StringValueNode[];
}

export interface OfTypeFilter {
  kind: 'of-type';
  param: SearchParamDef;
  values: OfTypeValueNode[];
}

/** token `:in` / `:not-in`: the union of the named value sets, expanded to code pairs at parse time. */
export interface InFilter {
  kind: 'in' | 'not-in';
  param: SearchParamDef;
  valueSets: string[];
  codes: CodePair[];
}

export interface ReferenceFilter {
  kind: 'reference';
  param: SearchParamDef;
  values: ReferenceValueNode[];
}

/** reference `:identifier`: matches Reference.identifier (system|value). */
export interface ReferenceIdentifierFilter {
  kind: 'reference-identifier';
  param: SearchParamDef;
  values: TokenValueNode[];
}

export interface DateFilter {
  kind: 'date';
  param: SearchParamDef;
  values: DateValueNode[];
}

export interface NumberFilter {
  kind: 'number';
  param: SearchParamDef;
  values: NumberValueNode[];
}

export interface QuantityFilter {
  kind: 'quantity';
  param: SearchParamDef;
  values: QuantityValueNode[];
}

export interface UriFilter {
  kind: 'uri';
  param: SearchParamDef;
  /** Absent: exact. `below`: the value or a path below it; `above`: the value or a path above it. */
  modifier?: 'below' | 'above';
  values: UriValueNode[];
}

export interface CompositeFilter {
  kind: 'composite';
  param: SearchParamDef;
  values: CompositeValueNode[];
}

/** `_id`: one of the ids. */
export interface IdFilter {
  kind: 'id';
  ids: string[];
}

/** `_lastUpdated`, against the document's `lastUpdatedMs` (a point, i.e. the range [t, t+1)). */
export interface LastUpdatedFilter {
  kind: 'lastUpdated';
  values: DateValueNode[];
}

/** `:missing=true|false`: the resource has no value / at least one value for the parameter. */
export interface MissingFilter {
  kind: 'missing';
  param: SearchParamDef;
  missing: boolean;
}

/** `param:TargetType.inner`: the reference points at a `targetType` resource matching `inner`. */
export interface ChainFilter {
  kind: 'chain';
  param: SearchParamDef;
  targetType: string;
  inner: FilterNode;
}

/** `_has:sourceType:sourceParam:inner`: some `sourceType` resource matching `inner` refers to this one through `sourceParam`. */
export interface HasFilter {
  kind: 'has';
  sourceType: string;
  sourceParam: SearchParamDef;
  /** The type of the resources being searched (what `sourceParam` must point at). */
  targetType: string;
  inner: FilterNode;
}

/** Resource-level negation (from token `:not` and `:not-in`): matches resources `inner` does not match, including those with no value. */
export interface NotFilter {
  kind: 'not';
  inner: FilterNode;
}

export type FilterNode =
  | StringFilter
  | TokenFilter
  | TokenTextFilter
  | OfTypeFilter
  | InFilter
  | ReferenceFilter
  | ReferenceIdentifierFilter
  | DateFilter
  | NumberFilter
  | QuantityFilter
  | UriFilter
  | CompositeFilter
  | IdFilter
  | LastUpdatedFilter
  | MissingFilter
  | ChainFilter
  | HasFilter
  | NotFilter;

/** One `_sort` key: `field` is the stored document field to sort on (`sort.<code>`, `_id` or `lastUpdatedMs`). */
export interface SortKey {
  code: string;
  field: string;
  descending: boolean;
}

/** One `_include` / `_revinclude`: `sourceType:param[:targetType]`, `param` '*' for every reference parameter. */
export interface IncludeSpec {
  sourceType: string;
  param: SearchParamDef | '*';
  targetType?: string;
  iterate: boolean;
}

export type TotalMode = 'none' | 'estimate' | 'accurate';
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

export interface SearchQuery {
  /** The searched type; absent for a system-level search. */
  resourceType?: string;
  /** System level: the `_type` list (absent: every type). */
  types?: string[];
  /** AND of filters. */
  filters: FilterNode[];
  sort: SortKey[];
  count?: number;
  total?: TotalMode;
  summary?: SummaryMode;
  elements?: string[];
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** Opaque paging cursor, passed through. */
  cursor?: string;
}

/** See the resolver contract at the top of this file. */
export type Resolver = (type: string, filters: FilterNode[], referencesOf?: string) => Promise<string[]>;

/** Exhaustiveness check for `switch (node.kind)`: a compile error when a kind is not handled. */
export function assertNever(value: never): never {
  throw fail('internal', 'exception', `unhandled search AST node: ${JSON.stringify(value)}`);
}
