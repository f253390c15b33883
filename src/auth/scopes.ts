/**
 * SMART scopes (SMART App Launch 2.x, scopes-and-launch-context.html): parsing v1 scopes
 * (`patient/*.read`, `user/Observation.write`, `system/*.*`) and v2 scopes (`system/Patient.rs`,
 * `patient/Observation.rs?category=laboratory`), and deciding which interaction letters
 * (c create, r read, u update, d delete, s search) a set of scopes permits on a resource type.
 * A query restriction is parsed here (scope-query.ts) and enforced below the type level, on each
 * resource (access/scope-queries.ts). Pure: no I/O, no HTTP.
 */
import type { FilterNode } from '../search/ast';
import { JwtRejected } from './jwt';
import { parseScopeQuery } from './scope-query';

export type Letter = 'c' | 'r' | 'u' | 'd' | 's';
export const LETTERS: readonly Letter[] = ['c', 'r', 'u', 'd', 's'];
export type ScopeContext = 'patient' | 'user' | 'system';

/** One resource scope. */
export interface ResourceScope {
  /** The scope as written in the token. */
  text: string;
  context: ScopeContext;
  /** A resource type, or `*` for every type. */
  type: string;
  letters: ReadonlySet<Letter>;
  version: 1 | 2;
  /** A v2 query restriction (`?category=laboratory`) as written, parameter → values. */
  restriction?: Record<string, string[]>;
  /** The restriction parsed as search filters (ANDed): the scope permits only resources matching all of them. */
  query?: FilterNode[];
  /** Why the restriction cannot be enforced (unknown parameter, chain, bad value): such a scope grants nothing and its token is refused. */
  refused?: string;
}

/** A token carrying a scope whose query restriction cannot be enforced: refused whole (401 invalid_token). */
export class ScopeRefused extends JwtRejected {
  constructor(
    readonly scope: string,
    reason: string,
  ) {
    super(`the scope ${scope} cannot be enforced: ${reason}`);
    this.name = 'ScopeRefused';
  }
}

const V1: Record<string, Letter[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
const SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{0,63})\.([a-z*]+)(?:\?(.*))?$/;

/** Parses one resource scope; undefined for anything else (openid, fhirUser, launch, a malformed scope). */
export function parseScope(text: string): ResourceScope | undefined {
  const m = SCOPE.exec(text);
  if (!m) return undefined;
  const [, context, type, action, query] = m;
  const v1 = V1[action];
  if (v1) {
    if (query !== undefined) return undefined; // v1 scopes have no query restriction
    return { text, context: context as ScopeContext, type, letters: new Set(v1), version: 1 };
  }
  // v2: a non-empty subset of c r u d s, in that order, each at most once.
  if (!/^c?r?u?d?s?$/.test(action) || action === '') return undefined;
  const scope: ResourceScope = { text, context: context as ScopeContext, type, letters: new Set(action.split('') as Letter[]), version: 2 };
  if (query !== undefined) {
    const restriction: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(query)) (restriction[k] ??= []).push(v);
    if (Object.keys(restriction).length === 0) return undefined;
    scope.restriction = restriction;
    const parsed = parseScopeQuery(type, restriction);
    if (parsed.ok) scope.query = parsed.filters;
    else scope.refused = parsed.reason;
  }
  return scope;
}

/**
 * Splits a space-separated scope string (a token's `scope`) into resource scopes and the other scopes
 * (kept as text); throws ScopeRefused for a resource scope whose query restriction cannot be enforced.
 */
export function parseScopes(text: string | undefined): { resource: ResourceScope[]; other: string[] } {
  const resource: ResourceScope[] = [];
  const other: string[] = [];
  for (const s of (text ?? '').split(/\s+/).filter(Boolean)) {
    const parsed = parseScope(s);
    if (parsed?.refused !== undefined) throw new ScopeRefused(s, parsed.refused);
    if (parsed) resource.push(parsed);
    else other.push(s);
  }
  return { resource, other };
}

/**
 * Does one scope grant `letter` on `type`? (`type` `*`: a scope on every type is needed.) A scope
 * with a query restriction grants it on the type; which resources it covers is decided per
 * resource (access/scope-queries.ts).
 */
export function scopeGrants(scope: ResourceScope, letter: Letter, type: string): boolean {
  if (scope.refused !== undefined) return false;
  return scope.letters.has(letter) && (scope.type === '*' || scope.type === type);
}

/** The scopes granting one of `letters` on `type`: a resource is permitted when one of them is unrestricted or its query matches. */
export function grantingScopes(scopes: readonly ResourceScope[], letters: readonly Letter[], type: string): ResourceScope[] {
  return scopes.filter((s) => letters.some((l) => scopeGrants(s, l, type)));
}

/** Does the union of `scopes` grant `letter` on `type`? */
export function permits(scopes: readonly ResourceScope[], letter: Letter, type: string): boolean {
  return scopes.some((s) => scopeGrants(s, letter, type));
}

const WORD: Record<Letter, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** The scope that would have permitted `letter` on `type`, for messages: `system/Patient.s (v1: system/Patient.read)`. */
export function neededScope(letter: Letter, type: string, context: ScopeContext = 'system'): string {
  const v1 = letter === 'r' || letter === 's' ? 'read' : 'write';
  return `${context}/${type}.${letter} (v1: ${context}/${type}.${v1}), which permits ${WORD[letter]} on ${type === '*' ? 'every type' : type}`;
}

/**
 * Whether an allowed scope covers a requested one: same context, the allowed type is `*` or the same,
 * the requested letters a subset, and the allowed scope unrestricted or restricted identically.
 */
export function covers(allowed: ResourceScope, requested: ResourceScope): boolean {
  if (allowed.refused !== undefined || requested.refused !== undefined) return false;
  if (allowed.context !== requested.context) return false;
  if (allowed.type !== '*' && allowed.type !== requested.type) return false;
  for (const l of requested.letters) if (!allowed.letters.has(l)) return false;
  if (!allowed.restriction) return true;
  return JSON.stringify(allowed.restriction) === JSON.stringify(requested.restriction ?? null);
}

/** The requested scopes (as written) that `allowed` covers: what a client may be granted. */
export function grantScopes(requested: string, allowed: readonly string[]): string[] {
  const allowedScopes = allowed.map(parseScope).filter((s): s is ResourceScope => s !== undefined);
  const out: string[] = [];
  for (const text of requested.split(/\s+/).filter(Boolean)) {
    const scope = parseScope(text);
    if (scope && allowedScopes.some((a) => covers(a, scope)) && !out.includes(text)) out.push(text);
  }
  return out;
}
