/**
 * The single access point: every interaction (rest/interactions.ts runs `authorize` before each
 * handler, for HTTP requests and for each batch/transaction entry alike) and every storage read and
 * write of the repository asks the caller's policy. Policies: the local operator of an `open`
 * server, the anonymous caller of the unauthenticated endpoints, and SMART scopes (SMART App Launch
 * 2.x scopes-and-launch-context.html; the scope → interaction table is in auth/requirements.ts).
 *
 * Two levels: resource types (scopes: `authorize`, `canReadType`, `canRead`, `canWrite`) and, for
 * tokens, the instances below them (`restriction`, src/access/: the patient compartment of patient/
 * scopes, the consults of a practitioner's user/ scopes or of an organisation's system/ client,
 * Binary only through a resource that links it, and the query restrictions of v2 scopes such as
 * `Observation.rs?category=laboratory`). The repository resolves the restriction once per call and
 * applies it on every read, search, include, history and write.
 */
import type { Resource } from '@medplum/fhirtypes';
import { fail } from '../fhir/outcome';
import type { Grant } from '../auth/grant';
import { neededScope, permits, type Letter } from '../auth/scopes';
import { lettersFor, type AccessInteraction } from '../auth/requirements';
import type { Restriction } from '../access/visible';
import { restrictionFor, type RestrictionOptions } from '../access/restriction';

export interface Actor {
  /** Who is asking, e.g. "operator" or a fhirUser reference. */
  reference: string;
  display: string;
}

/** One interaction about to run: what it is and on which resource type(s). */
export interface AccessRequest {
  interaction: AccessInteraction;
  /** The resource type (type and instance level). */
  type?: string;
  /** System-level search: the `_type` list, when given. */
  types?: readonly string[];
  /** For an $operation: its name (without `$`) and whether it changes state. */
  operation?: { name: string; affectsState: boolean };
}

export interface AccessPolicy {
  readonly actor: Actor;
  /** The token behind the policy (absent for the operator and anonymous callers). */
  readonly grant?: Grant;
  /** Throws 403 (code forbidden, naming the scope needed) unless the caller may run this interaction. */
  authorize(request: AccessRequest): void;
  /** May the caller see this resource type at all (history and search scopes)? */
  canReadType(type: string): boolean;
  /** May the caller see this version of a resource? */
  canRead(resource: Resource): boolean;
  /** May the caller create, update or delete this resource (the new content, or the current one on delete)? */
  canWrite(resource: Resource): boolean;
  /** Which instances of the permitted types the caller may see and change; absent: all of them (the operator). */
  readonly restriction?: Restriction;
}

/** The local operator of an `open` server: may do everything. */
export const operatorAccess: AccessPolicy = {
  actor: { reference: 'Device/relay-operator', display: 'local operator' },
  authorize: () => undefined,
  canReadType: () => true,
  canRead: () => true,
  canWrite: () => true,
};

/** A caller without a token on a `smart` server (only metadata and discovery reach a handler): may do nothing. */
export const anonymousAccess: AccessPolicy = {
  actor: { reference: 'anonymous', display: 'an unauthenticated caller' },
  authorize: (request) => {
    throw fail('forbidden', 'forbidden', `${describe(request)} needs an access token`);
  },
  canReadType: () => false,
  canRead: () => false,
  canWrite: () => false,
};

/**
 * The policy of a SMART access token: an interaction on a type is permitted when the union of the
 * token's scopes grants one of the letters it needs (a query-restricted scope included); the
 * instances visible are those of the restriction the token's launch context, organisation and
 * scope queries select (access/restriction.ts).
 */
export function scopeAccess(grant: Grant, options: RestrictionOptions = {}): AccessPolicy {
  const may = (letters: readonly Letter[], type: string) => letters.some((l) => permits(grant.scopes, l, type));
  const onSomeType = (letters: readonly Letter[]) => grant.scopes.some((s) => s.refused === undefined && letters.some((l) => s.letters.has(l)));
  const context = grant.scopes[0]?.context ?? 'system';
  const deny = (request: AccessRequest, letter: Letter, type: string) =>
    fail('forbidden', 'forbidden', `${describe(request, type)} needs scope ${neededScope(letter, type, context)}; the token grants: ${scopeList(grant)}`);
  return {
    actor: { reference: grant.fhirUser ?? `Device/${grant.clientId}`, display: `client ${grant.clientId}` },
    grant,
    authorize(request) {
      const letters = lettersFor(request.interaction, request.operation);
      if (letters.length === 0) return;
      if (request.type !== undefined) {
        if (!may(letters, request.type)) throw deny(request, letters[0], request.type);
        return;
      }
      if (request.types !== undefined) {
        for (const type of request.types) if (!may(letters, type)) throw deny(request, letters[0], type);
        return;
      }
      // System level without _type: the repository limits the answer to the types the token may read or search.
      if (!onSomeType(letters)) throw deny(request, letters[0], '*');
    },
    canReadType: (type) => may(['r', 's'], type),
    canRead: (resource) => may(['r', 's'], resource.resourceType),
    canWrite: (resource) => may(['c', 'u', 'd'], resource.resourceType),
    restriction: restrictionFor(grant, options),
  };
}

function describe(request: AccessRequest, type = request.type): string {
  const what = request.interaction === 'operation' ? `$${request.operation?.name ?? 'operation'}` : request.interaction;
  return type && type !== '*' ? `${what} on ${type}` : what;
}

function scopeList(grant: Grant): string {
  const all = [...grant.scopes.map((s) => s.text), ...grant.otherScopes];
  return all.length ? all.join(' ') : '(no scopes)';
}

