/**
 * Domain rules that run on every write of the repository, whatever path it came by (PUT, PATCH,
 * conditional writes, batch and transaction entries, operations): the consult lifecycle
 * (consult/lifecycle.ts) is one. A rule sees the current and the new content before validation, may
 * refuse the write (it throws an OperationOutcomeError) or amend the new content, and may return
 * follow-up work that runs inside the same store transaction once the new version is stored.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { AccessPolicy } from './access';
import type { Repository } from './repository';

export interface WriteChange {
  /** The current version (absent on a create, or when the resource does not exist yet). */
  before?: Resource;
  /** The new content (absent on a delete). */
  after?: Resource;
}

export interface RulesEnv {
  /** The caller's access policy (whose roles the rules decide on). */
  access: AccessPolicy;
  /** A repository that reads as the server over the same collections (a transaction's, inside one), pending entries included. */
  server: Repository;
  /** Reads what a literal reference names: a pending transaction entry, else the current version. */
  resolve(reference: string): Promise<Resource | undefined>;
  baseUrl: string;
  now: Date;
}

export interface WritePlan {
  /** The content to validate and store instead of the client's (server-set elements filled in). */
  resource?: Resource;
  /**
   * Runs inside the write's store transaction after the new version is stored (`stored` is absent for
   * a delete). `repo` writes as the server within that transaction, without running the rules again.
   */
  afterStore?(stored: Resource | undefined, repo: Repository): Promise<void>;
}

export interface WriteRules {
  /** Decides on one write; undefined when no rule applies to it. */
  plan(change: WriteChange, env: RulesEnv): Promise<WritePlan | undefined>;
}
