/**
 * Installs Relay's implementation guide (package.ts) into the store at start-up, so its
 * StructureDefinitions, ValueSets, CodeSystems, Questionnaires and OperationDefinitions can be read
 * and searched like any resource. Each is written with its package id; one whose stored content is
 * already the same makes no new version, so restarts change nothing. The repository used here is
 * the only writer of these ids: every client-facing repository treats them as read-only.
 */
import { Repository } from '../repository/repository';
import { operatorAccess } from '../repository/access';
import type { Store } from '../storage/port';
import { implementationGuide } from './package';

/** Writes every package resource whose stored version differs (one transaction). */
export async function installImplementationGuide(store: Store, baseUrl: string): Promise<void> {
  const { resources } = implementationGuide();
  // The package was validated when it was built (test/profiles-package.test.ts); it is trusted here.
  const repo = new Repository(store, { validate: () => [], access: operatorAccess, baseUrl }, store);
  await repo.transaction(async (tx) => {
    for (const resource of resources) await tx.update(resource);
  });
}
