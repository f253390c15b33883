/**
 * The search parameter registry: per resource type, the R4 SearchParameters (as indexed into
 * @medplum/core by loadR4Definitions) plus the common ones from Resource, resolved for that type
 * (R4 search.html, searchparameter.html). Built lazily per type and cached.
 *
 * `_text`, `_content`, `_query`, `_list`, `_has` and `_type` are not here: they are not extracted
 * from resources and the query parser handles them itself. `_id` and `_lastUpdated` are here (so the
 * parser knows their types) but are answered from the stored document, not extracted.
 */
import { createHash } from 'node:crypto';
import { getSearchParameters } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { isResourceType, loadR4Definitions, resourceTypes } from '../validation/definitions';
import { branchesFor, rewriteAs, splitUnion, usesResolve, type Branch } from './expressions';
import type { ParamType, SearchParamDef } from './params';

/** The common parameters every resource type has (SearchParameters on Resource with an expression). */
export const COMMON_PARAMS: readonly string[] = ['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source'];

/** DomainResource parameters apply to every type except these (R4: they derive from Resource directly). */
const NOT_DOMAIN_RESOURCES = new Set(['Binary', 'Bundle', 'Parameters']);

interface TypeEntry {
  list: readonly SearchParamDef[];
  byCode: ReadonlyMap<string, SearchParamDef>;
}

const built = new Map<string, TypeEntry>();
const custom = new Map<string, Map<string, SearchParameter>>();
const customByUrl = new Map<string, SearchParameter>();
const branchesByDef = new WeakMap<SearchParamDef, readonly Branch[]>();
let r4ByUrl: Map<string, SearchParameter> | undefined;

/** Every search parameter of `resourceType` (common ones first), or [] for an unknown type. */
export function searchParams(resourceType: string): SearchParamDef[] {
  return [...entryFor(resourceType).list];
}

/** The search parameter `code` of `resourceType`, if it has one. */
export function searchParam(resourceType: string, code: string): SearchParamDef | undefined {
  return entryFor(resourceType).byCode.get(code);
}

/**
 * Adds (or replaces, by code) a custom SearchParameter for each of its base types; a base of
 * Resource or DomainResource applies to every type it covers. Throws when the definition cannot be
 * evaluated at write time (no expression, or a resolve() other than `.where(resolve() is T)`).
 */
export function registerSearchParameter(sp: SearchParameter): void {
  loadR4Definitions();
  if (!sp.code || !sp.type || !sp.base?.length) throw new Error(`SearchParameter ${sp.url ?? sp.id}: code, type and base are required`);
  if (!sp.expression && sp.type !== 'special') throw new Error(`SearchParameter ${sp.url ?? sp.code}: an expression is required`);
  const known = new Set(resourceTypes());
  const bases: string[] = sp.base;
  for (const base of bases) {
    if (!known.has(base) && base !== 'Resource' && base !== 'DomainResource') throw new Error(`SearchParameter ${sp.code}: unknown base ${base}`);
    const sample = known.has(base) ? base : 'Patient';
    if (sp.expression && branchesFor(sample, sp.expression).some((b) => usesResolve(b.expression))) {
      throw new Error(`SearchParameter ${sp.code}: resolve() is only supported as .where(resolve() is Type)`);
    }
  }
  for (const base of bases) {
    let byCode = custom.get(base);
    if (!byCode) custom.set(base, (byCode = new Map()));
    byCode.set(sp.code, sp);
  }
  if (sp.url) customByUrl.set(sp.url, sp);
  if (bases.some((b) => b === 'Resource' || b === 'DomainResource')) built.clear();
  else for (const base of bases) built.delete(base);
}

/**
 * A fingerprint of the custom SearchParameters registered (code, bases, type, expression): stored
 * index values were extracted for one set of parameters, so a change means re-extracting them.
 */
export function customParametersFingerprint(): string {
  const seen = new Set<SearchParameter>();
  for (const byCode of custom.values()) for (const sp of byCode.values()) seen.add(sp);
  const described = [...seen].map((sp) => JSON.stringify([sp.code, [...(sp.base ?? [])].sort(), sp.type, sp.expression])).sort();
  return createHash('sha1').update(described.join('\n')).digest('hex');
}

/**
 * The union branches to evaluate for `def`, each with the target types its `resolve() is T` allowed
 * (for extraction; a def not built here is split without restrictions). Branches are evaluated
 * separately because fhirpath.js's `|` deduplicates by converting values, which throws on a
 * Quantity with a comparator.
 */
export function extractionBranches(def: SearchParamDef): readonly Branch[] {
  return branchesByDef.get(def) ?? splitUnion(def.expression).map((expression) => ({ expression }));
}

function entryFor(resourceType: string): TypeEntry {
  const cached = built.get(resourceType);
  if (cached) return cached;
  loadR4Definitions();
  const entry = build(resourceType);
  built.set(resourceType, entry);
  return entry;
}

function build(resourceType: string): TypeEntry {
  if (!isResourceType(resourceType)) return { list: [], byCode: new Map() };
  const sources = new Map<string, SearchParameter>();
  const common = getSearchParameters('Resource') ?? {};
  for (const code of COMMON_PARAMS) if (common[code]) sources.set(code, common[code]);
  const own = Object.entries(getSearchParameters(resourceType) ?? {})
    .filter(([code]) => !code.startsWith('_'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [code, sp] of own) sources.set(code, sp);
  for (const base of customBasesFor(resourceType)) for (const [code, sp] of custom.get(base) ?? []) sources.set(code, sp);
  const byCode = new Map<string, SearchParamDef>();
  for (const [code, sp] of sources) {
    const def = toDef(resourceType, sp);
    if (def) byCode.set(code, def);
  }
  return { list: Object.freeze([...byCode.values()]), byCode };
}

function customBasesFor(resourceType: string): string[] {
  return NOT_DOMAIN_RESOURCES.has(resourceType) ? ['Resource', resourceType] : ['Resource', 'DomainResource', resourceType];
}

function toDef(resourceType: string, sp: SearchParameter): SearchParamDef | undefined {
  const branches = branchesFor(resourceType, sp.expression ?? '').filter((b) => !usesResolve(b.expression));
  if (branches.length === 0) return undefined;
  const def: SearchParamDef = {
    code: sp.code as string,
    type: sp.type as ParamType,
    url: sp.url,
    resourceType,
    expression: branches.map((b) => b.expression).join(' | '),
  };
  if (sp.type === 'reference') {
    const targets = new Set(branches.flatMap((b) => b.restrictTo ?? sp.target ?? []));
    if (targets.size) def.targets = [...targets];
  }
  if (sp.type === 'composite') {
    const components = (sp.component ?? []).map((c) => component(resourceType, c.definition, c.expression));
    if (components.length === 0 || components.some((c) => c === undefined)) return undefined;
    def.components = components as NonNullable<SearchParamDef['components']>;
  }
  const description = describe(resourceType, sp.description);
  if (description) def.description = description;
  branchesByDef.set(def, Object.freeze(branches));
  return Object.freeze(def);
}

function component(resourceType: string, url: string, expression: string): { code: string; type: ParamType; expression: string } | undefined {
  const target = findByUrl(resourceType, url);
  if (!target?.code || !target.type) return undefined;
  return { code: target.code, type: target.type as ParamType, expression: rewriteAs(expression) };
}

function findByUrl(resourceType: string, url: string): SearchParameter | undefined {
  const mine = customByUrl.get(url) ?? Object.values(getSearchParameters(resourceType) ?? {}).find((sp) => sp.url === url);
  if (mine) return mine;
  if (!r4ByUrl) {
    r4ByUrl = new Map();
    for (const type of ['Resource', ...resourceTypes()]) for (const sp of Object.values(getSearchParameters(type) ?? {})) r4ByUrl.set(sp.url, sp);
  }
  return r4ByUrl.get(url);
}

/** A shared parameter's description lists every type ("* [Observation](observation.html): ..."): keep this type's line. */
function describe(resourceType: string, text: string | undefined): string | undefined {
  if (!text?.startsWith('Multiple Resources')) return text;
  const line = text.split(/\r?\n/).find((l) => l.startsWith(`* [${resourceType}](`));
  return line ? line.replace(/^\* \[[^\]]+\]\([^)]*\):\s*/, '').trim() : text;
}
