/**
 * What one caller may see and change below the level of resource types (compartments, consults),
 * resolved against storage for one repository call. The repository ANDs `filter` into its Mongo
 * queries (search, `_revinclude`, history ids, Binary holders) and checks `contains` on every
 * resource it hands out, so filter and check must describe the same set.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Collections, Filter } from '../storage/port';

export interface Visible {
  /** Whom the rule is about, for messages: "the compartment of Patient/a". */
  readonly describe: string;
  /** Filter selecting the visible current documents of `type`; undefined = every resource of the type. */
  filter(type: string): Filter | undefined;
  /** Is this resource (any version) visible? Binary is never visible directly (access/binary.ts). */
  contains(resource: Resource): boolean;
  /**
   * May `resource` be written: the `new` content of a create or update, or the `current` version an
   * update or delete replaces; `letter` is the scope letter of the write (c, u or d) when known.
   */
  mayWrite(resource: Resource, state: 'new' | 'current', letter?: WriteLetter): boolean;
}

/** The scope letter a write needs: c create, u update (also an update that creates), d delete. */
export type WriteLetter = 'c' | 'u' | 'd';

/** A rule that needs storage to know what is visible (the consults a practitioner is part of). */
export interface Restriction {
  resolve(db: Collections, baseUrl: string): Promise<Visible>;
}

/** System clients without an organisation: every resource of the types their scopes name, Binary only through a holder. */
export const wholeTypes: Visible = {
  describe: 'the resource types of the token',
  filter: (type) => (type === 'Binary' ? { _id: { $in: [] } } : undefined),
  contains: (resource) => resource.resourceType !== 'Binary',
  mayWrite: (resource, state) => resource.resourceType !== 'Binary' || state === 'new',
};

/** Nothing below the type level: for tokens whose rule cannot apply (user/ scopes without a fhirUser). */
export function nothing(describe: string): Visible {
  return { describe, filter: () => ({ _id: { $in: [] } }), contains: () => false, mayWrite: () => false };
}
