/**
 * Query-restricted SMART v2 scopes below the type level (SMART App Launch 2.x
 * scopes-and-launch-context.html, "Finer-grained resource constraints using search parameters";
 * README "Security"): `patient/Observation.rs?category=...|laboratory` grants r and s on the
 * Observations its query matches only. Scopes unite: a resource is permitted for a letter when one
 * of the scopes granting that letter on its type is unrestricted or matches it. What a token sees
 * (read, vread, search, includes, history) is what its r and s scopes permit; a write needs the
 * letter of the interaction (c create, u update, d delete) for the new content and for the current
 * version it replaces. The rule narrows the token's compartment or consults (visible.ts): its filter
 * is ANDed into theirs and its check into `contains` and `mayWrite`.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Filter } from '../storage/port';
import { grantingScopes, type Letter, type ResourceScope } from '../auth/scopes';
import { or } from './rules';
import { scopeMatch, type ScopeMatch } from './scope-match';
import type { Restriction, Visible, WriteLetter } from './visible';

const SEE: readonly Letter[] = ['r', 's'];

/** `restriction`, narrowed by the query restrictions among `scopes` (unchanged when none has one). */
export function withScopeQueries(restriction: Restriction, scopes: readonly ResourceScope[]): Restriction {
  const restricted = scopes.filter((s) => s.query !== undefined);
  if (restricted.length === 0) return restriction;
  return {
    async resolve(db, baseUrl) {
      const base = await restriction.resolve(db, baseUrl);
      const now = Date.now();
      const matchers = new Map<ResourceScope, ScopeMatch>();
      for (const s of restricted) matchers.set(s, await scopeMatch(s.query ?? [], baseUrl, now));
      return narrowed(base, scopeRule(scopes, matchers), restricted.map((s) => s.text));
    },
  };
}

/** The union rule of `scopes`, with the compiled query of each restricted one. */
interface ScopeRule {
  /** Filter over `type` for `letters` (undefined: every resource; NOTHING: none). */
  filter(type: string, letters: readonly Letter[]): Filter | undefined;
  /** Is `resource` permitted for one of `letters`? */
  permits(resource: Resource, letters: readonly Letter[]): boolean;
  /** Which of `letters` some scope grants on `type`. */
  granted(type: string, letters: readonly Letter[]): Letter[];
}

function scopeRule(scopes: readonly ResourceScope[], matchers: ReadonlyMap<ResourceScope, ScopeMatch>): ScopeRule {
  return {
    filter(type, letters) {
      const granting = grantingScopes(scopes, letters, type);
      if (granting.some((s) => !matchers.has(s))) return undefined;
      return or(granting.map((s) => (matchers.get(s) as ScopeMatch).filter)); // none granting: NOTHING
    },
    permits(resource, letters) {
      return grantingScopes(scopes, letters, resource.resourceType).some((s) => matchers.get(s)?.matches(resource) ?? true);
    },
    granted: (type, letters) => letters.filter((l) => grantingScopes(scopes, [l], type).length > 0),
  };
}

/**
 * `base` ANDed with the scope rule. A write without its letter (a caller that does not say) must be
 * permitted by every write letter the token grants that could apply: c and u for new content, u and
 * d for the current version (fails closed when the write scopes carry different queries).
 */
function narrowed(base: Visible, rule: ScopeRule, texts: readonly string[]): Visible {
  return {
    describe: `${base.describe}, narrowed to the resources its query-restricted scopes match (${texts.join(' ')})`,
    filter(type) {
      const own = rule.filter(type, SEE);
      const theirs = base.filter(type);
      if (!own || !theirs) return own ?? theirs;
      return { $and: [theirs, own] };
    },
    contains: (resource) => base.contains(resource) && rule.permits(resource, SEE),
    mayWrite(resource, state, letter?: WriteLetter) {
      if (!base.mayWrite(resource, state, letter)) return false;
      if (letter) return rule.permits(resource, [letter]);
      const letters = rule.granted(resource.resourceType, state === 'new' ? ['c', 'u'] : ['u', 'd']);
      return letters.length > 0 && letters.every((l) => rule.permits(resource, [l]));
    },
  };
}
