/**
 * Every operation Relay serves (R4 operations.html), in one list: http/ mounts them through
 * rest/interactions.ts and the CapabilityStatement lists them, each with its OperationDefinition
 * (Relay's own in profiles/, or the R4 core one it implements).
 */
import type { Handler } from '../rest/types';
import { validateOperation } from './validate';
import { expandOperation } from './expand';
import { lookupOperation } from './lookup';
import { codeSystemValidateCodeOperation, valueSetValidateCodeOperation } from './validate-code';
import { packageOperation } from './package';
import { statsOperation } from './stats';
import { submitOperation } from './submit';
import { claimOperation } from './claim';
import { escalateOperation } from './escalate';

export interface OperationSpec {
  /** The name without `$`. */
  readonly name: string;
  /** Canonical URL of its OperationDefinition. */
  readonly definition: string;
  /** The resource types it is served on at type and instance level; `all` for every type. */
  readonly types: 'all' | readonly string[];
  readonly levels: readonly ('system' | 'type' | 'instance')[];
  /** Operations that change nothing may also be invoked with GET. */
  readonly affectsState: boolean;
  readonly handler: Handler;
}

export const OPERATIONS: readonly OperationSpec[] = [validateOperation, expandOperation, valueSetValidateCodeOperation, codeSystemValidateCodeOperation, lookupOperation, packageOperation, statsOperation, submitOperation, claimOperation, escalateOperation];
