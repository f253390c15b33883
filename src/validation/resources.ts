/**
 * Resource-level R4 rules that @medplum/core skips: the resource type must be a concrete R4 type
 * (Medplum accepts abstract DomainResource and throws without a location on unknown types), the
 * logical id must match the R4 `id` syntax (Medplum types Resource.id as string), and two invariants
 * Medplum disables: org-1 (an Organization has a name or an identifier) and dom-3 (every contained
 * resource is referenced from the resource, or refers back to it with "#").
 */
import type { Issue } from '../fhir/outcome';
import { issue } from '../fhir/outcome';
import { isResourceType } from './definitions';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Checks one (root or nested) resource; returns false when its type is unknown and it must not be walked. */
export function checkResource(resource: Record<string, unknown>, path: string, issues: Issue[]): boolean {
  const type = resource.resourceType;
  if (typeof type !== 'string') {
    issues.push(issue('error', 'structure', `${path} has no resourceType`, path));
    return false;
  }
  if (!isResourceType(type)) {
    issues.push(issue('error', 'not-supported', `${path}: "${type}" is not an R4 resource type`, path));
    return false;
  }
  const id = resource.id;
  if (typeof id === 'string' && !ID.test(id)) {
    issues.push(issue('error', 'value', `${path}.id: "${id}" is not a valid id (1-64 characters A-Z, a-z, 0-9, "-" and ".")`, `${path}.id`));
  }
  if (type === 'Organization' && resource.identifier === undefined && resource.name === undefined) {
    issues.push(issue('error', 'invariant', `${path}: Constraint org-1 not met: The organization SHALL at least have a name or an identifier`, path));
  }
  if (Array.isArray(resource.contained) && resource.contained.length > 0) checkContainedReferenced(resource, resource.contained, path, issues);
  return true;
}

/** Maps the ids of a resource's contained resources to their types, for `#id` references. */
export function containedTypes(resource: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(resource.contained)) return out;
  for (const c of resource.contained) {
    if (c && typeof c === 'object' && typeof c.id === 'string' && typeof c.resourceType === 'string') out.set(c.id, c.resourceType);
  }
  return out;
}

function checkContainedReferenced(resource: Record<string, unknown>, contained: unknown[], path: string, issues: Issue[]): void {
  const strings = new Set<string>();
  collectStrings(resource, strings);
  contained.forEach((c, i) => {
    if (!c || typeof c !== 'object') return;
    const id = (c as Record<string, unknown>).id;
    if (typeof id !== 'string' || strings.has('#' + id)) return;
    const back = new Set<string>();
    collectStrings(c, back);
    if (back.has('#')) return;
    const text = `${path}.contained[${i}]: Constraint dom-3 not met: contained resource "${id}" is not referenced from the rest of the resource (or does not refer to its container)`;
    issues.push(issue('error', 'invariant', text, `${path}.contained[${i}]`));
  });
}

function collectStrings(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') {
    if (value.startsWith('#')) out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== 'div') collectStrings(v, out);
  }
}
