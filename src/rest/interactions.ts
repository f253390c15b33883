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
  | 'capabilities';

export interface Interaction {
  code: InteractionCode;
  level: 'system' | 'type' | 'instance';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the FHIR base, in Express syntax: :type, :id and :versionId are route parameters. */
  path: string;
  handler: Handler;
}

/** Ordered: a literal segment (`_history`) must come before a parameter in the same position. */
export const INTERACTIONS: readonly Interaction[] = [
  { code: 'capabilities', level: 'system', method: 'GET', path: '/metadata', handler: capabilitiesHandler(() => INTERACTIONS) },
  { code: 'history-system', level: 'system', method: 'GET', path: '/_history', handler: history },
  { code: 'create', level: 'type', method: 'POST', path: '/:type', handler: create },
  { code: 'history-type', level: 'type', method: 'GET', path: '/:type/_history', handler: history },
  { code: 'read', level: 'instance', method: 'GET', path: '/:type/:id', handler: read },
  { code: 'update', level: 'instance', method: 'PUT', path: '/:type/:id', handler: update },
  { code: 'delete', level: 'instance', method: 'DELETE', path: '/:type/:id', handler: remove },
  { code: 'history-instance', level: 'instance', method: 'GET', path: '/:type/:id/_history', handler: history },
  { code: 'vread', level: 'instance', method: 'GET', path: '/:type/:id/_history/:versionId', handler: vread },
];
