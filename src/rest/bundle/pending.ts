/**
 * What validation and the write rules of a transaction's entries see of the resources its POST and
 * PUT entries will write (RepositoryDeps.pending): a Task is validated before the consult
 * ServiceRequest that a later entry creates. Only entries that have not run yet are served from here,
 * from their planned content; once an entry has run, its resource is in the transaction's store view,
 * where validation looks next (repository/validation-env.ts), so nothing here holds its content any more.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { PendingResources } from '../../repository/validation-env';
import type { PlannedEntry } from './plan';

export class PendingWrites implements PendingResources {
  /** `Type/id` → the entry, not run yet, that writes it (TransactionPlan refuses two writes to one resource). */
  private readonly writers = new Map<string, PlannedEntry>();

  constructor(entries: readonly PlannedEntry[]) {
    for (const entry of entries) {
      const identity = identityOf(entry);
      const body = entry.request.body as Resource | undefined;
      if (identity && body && typeof body === 'object' && body.resourceType === entry.request.type) this.writers.set(identity, entry);
    }
  }

  /** The content the entry writing `identity` will write (with its id), while it has not run. */
  get(identity: string): Resource | undefined {
    const body = this.writers.get(identity)?.request.body as Resource | undefined;
    return body && { ...body, id: identity.slice(identity.indexOf('/') + 1) };
  }

  /** `entry` has run: from now on its resource is read from the store. */
  ran(entry: PlannedEntry): void {
    const identity = identityOf(entry);
    if (identity && this.writers.get(identity) === entry) this.writers.delete(identity);
  }
}

/** `Type/id` of what a POST (its pre-assigned id) or a PUT (its URL's id) writes. */
function identityOf({ method, request }: PlannedEntry): string | undefined {
  const id = method === 'POST' ? request.assignedId : method === 'PUT' ? request.id : undefined;
  return id ? `${request.type}/${id}` : undefined;
}
