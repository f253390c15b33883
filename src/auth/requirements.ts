/**
 * Which SMART scope letters (SMART App Launch 2.x scopes-and-launch-context.html#scopes-for-requesting-fhir-resources)
 * each FHIR interaction needs on its resource type. One table, documented in the README's Security section.
 */
import type { Letter } from './scopes';

/** The interactions and operations an access check distinguishes. */
export type AccessInteraction =
  | 'read'
  | 'vread'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'search-type'
  | 'search-system'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'operation';

/** The letters of which at least one is needed; an empty list needs no scope. */
export function lettersFor(interaction: AccessInteraction, operation?: { name: string; affectsState: boolean }): readonly Letter[] {
  switch (interaction) {
    case 'read':
    case 'vread':
    case 'history-instance':
      return ['r'];
    case 'search-type':
    case 'search-system':
    case 'history-type':
    case 'history-system':
      return ['s'];
    case 'create':
      return ['c'];
    case 'update':
    case 'patch':
      return ['u'];
    case 'delete':
      return ['d'];
    case 'operation':
      // $validate checks a resource as a read, create or update of its type would.
      if (operation?.name === 'validate') return ['r', 'c', 'u'];
      return operation?.affectsState ? ['u'] : ['r'];
    default: {
      const never: never = interaction;
      throw new Error(`unknown interaction ${String(never)}`);
    }
  }
}
