/**
 * Every FHIR interaction Relay serves, in one table. http/ mounts routes from it and the
 * CapabilityStatement is generated from it, so the two can never disagree.
 */
import type { Handler } from './types';
import { create } from './create';
import { read } from './read';
import { vread } from './vread';
import { update } from './update';
import { remove } from './delete';
import { history } from './history';
import { capabilitiesHandler } from './capabilities';
import { search } from './search';
import { conditionalUpdate } from './conditional-update';
import { conditionalDelete } from './conditional-delete';
import { bundleHandler } from './bundle/handler';
import { patch } from './patch';
import { conditionalPatch } from './conditional-patch';
import { OPERATIONS, type OperationSpec } from '../operations/registry';
import { guarded } from '../auth/guard';

/** R4 CapabilityStatement interaction codes (TypeRestfulInteraction and SystemRestfulInteraction). */
export type InteractionCode =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'create'
  | 'search-type'
  | 'transaction'
  | 'batch'
  | 'search-system'
  | 'history-system'
  | 'capabilities'
  /** An $operation (not an R4 interaction code: the CapabilityStatement lists operations apart). */
  | 'operation';

export interface Interaction {
  code: InteractionCode;
  level: 'system' | 'type' | 'instance';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the FHIR base, in Express syntax: :type, :id and :versionId are route parameters. */
  path: string;
  handler: Handler;
  /** Takes an application/x-www-form-urlencoded body (POST _search). */
  acceptsForm?: boolean;
  /** Serves the conditional form of its interaction (create: If-None-Exist; update and delete: `[type]?criteria`). */
  conditional?: boolean;
}

/** POST [base]: one handler for both batch and transaction, which reads Bundle.type. */
const postBundle = bundleHandler(() => INTERACTIONS);

/**
 * Ordered: a literal segment (`_history`) must come before a parameter in the same position. Each
 * handler runs the caller's access check first (auth/guard.ts), for HTTP and Bundle entries alike.
 */
const ROWS: readonly Interaction[] = [
  { code: 'capabilities', level: 'system', method: 'GET', path: '/metadata', handler: capabilitiesHandler(() => INTERACTIONS, OPERATIONS) },
  { code: 'search-system', level: 'system', method: 'GET', path: '/', handler: search },
  // Two rows, one handler: the router mounts the first row of a method and path.
  { code: 'transaction', level: 'system', method: 'POST', path: '/', handler: postBundle },
  { code: 'batch', level: 'system', method: 'POST', path: '/', handler: postBundle },
  { code: 'search-system', level: 'system', method: 'POST', path: '/_search', handler: search, acceptsForm: true },
  { code: 'history-system', level: 'system', method: 'GET', path: '/_history', handler: history },
  { code: 'search-type', level: 'type', method: 'GET', path: '/:type', handler: search },
  { code: 'create', level: 'type', method: 'POST', path: '/:type', handler: create, conditional: true },
  { code: 'update', level: 'type', method: 'PUT', path: '/:type', handler: conditionalUpdate, conditional: true },
  { code: 'delete', level: 'type', method: 'DELETE', path: '/:type', handler: conditionalDelete, conditional: true },
  { code: 'patch', level: 'type', method: 'PATCH', path: '/:type', handler: conditionalPatch, conditional: true },
  { code: 'search-type', level: 'type', method: 'POST', path: '/:type/_search', handler: search, acceptsForm: true },
  { code: 'history-type', level: 'type', method: 'GET', path: '/:type/_history', handler: history },
  ...OPERATIONS.flatMap(operationRows),
  { code: 'read', level: 'instance', method: 'GET', path: '/:type/:id', handler: read },
  { code: 'update', level: 'instance', method: 'PUT', path: '/:type/:id', handler: update },
  { code: 'delete', level: 'instance', method: 'DELETE', path: '/:type/:id', handler: remove },
  { code: 'patch', level: 'instance', method: 'PATCH', path: '/:type/:id', handler: patch },
  { code: 'history-instance', level: 'instance', method: 'GET', path: '/:type/:id/_history', handler: history },
  { code: 'vread', level: 'instance', method: 'GET', path: '/:type/:id/_history/:versionId', handler: vread },
];

export const INTERACTIONS: readonly Interaction[] = ROWS.map((row) => guarded(row, OPERATIONS));

/** The routes of one operation: POST at each level it serves, and GET too when it changes nothing. */
function operationRows(op: OperationSpec): Interaction[] {
  const methods: Interaction['method'][] = op.affectsState ? ['POST'] : ['GET', 'POST'];
  const typePaths = op.types === 'all' ? ['/:type'] : op.types.map((t) => `/${t}`);
  const paths: { level: Interaction['level']; path: string }[] = [];
  if (op.levels.includes('system')) paths.push({ level: 'system', path: `/$${op.name}` });
  if (op.levels.includes('type')) for (const t of typePaths) paths.push({ level: 'type', path: `${t}/$${op.name}` });
  if (op.levels.includes('instance')) for (const t of typePaths) paths.push({ level: 'instance', path: `${t}/:id/$${op.name}` });
  return paths.flatMap(({ level, path }) => methods.map((method) => ({ code: 'operation' as const, level, method, path, handler: op.handler })));
}
