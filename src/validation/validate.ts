/**
 * Base R4 validation of a resource before create/update: @medplum/core's structural validation
 * (structural.ts) plus what it lacks for plain R4, found in one schema-guided walk (walk.ts):
 * required ValueSet bindings, resource types and ids, org-1/dom-3, reference target types, the R4
 * syntax of date/time, code and base64Binary values, narrative content, empty arrays, conflicting
 * choice-type properties and properties named like Object.prototype members.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/outcome';
import { issue } from '../fhir/outcome';
import { checkElementBinding } from './bindings';
import { loadR4Definitions } from './definitions';
import { checkPrimitive } from './primitives';
import { checkReferenceTarget } from './references';
import { checkResource, containedTypes } from './resources';
import { structuralIssues } from './structural';
import type { PropertyInfo, WalkVisitor } from './walk';
import { walkResource } from './walk';

/** Returns every issue (errors and warnings) of a resource against base R4; never throws. */
export function validateBase(resource: Resource): Issue[] {
  loadR4Definitions();
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    return [issue('error', 'structure', 'A resource must be a JSON object')];
  }
  try {
    const own = ownChecks(resource);
    if (!own.rootKnown) return own.issues;
    return [...structuralIssues(resource, own.supersededPaths), ...own.issues];
  } catch (err) {
    // e.g. a stack overflow on absurdly deep nesting: reject rather than throw
    return [issue('error', 'exception', `Validator failure: ${err instanceof Error ? err.message : String(err)}`)];
  }
}

/** True when any issue is an error (or fatal): the resource must be rejected. */
export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

interface OwnChecks {
  issues: Issue[];
  rootKnown: boolean;
  supersededPaths: Set<string>;
}

/** The checks Relay adds to @medplum/core, in a single walk over the resource. */
export function ownChecks(resource: Resource): OwnChecks {
  const result: OwnChecks = { issues: [], rootKnown: false, supersededPaths: new Set() };
  const issues = result.issues;
  // `#id` references resolve against the enclosing resource's contained list (also from inside a contained resource).
  const containers: Map<string, string>[] = [];
  const visitor: WalkVisitor = {
    resource(value, path) {
      const ok = checkResource(value, path, issues);
      if (containers.length === 0) result.rootKnown = ok;
      if (ok) containers.push(/\.contained\[\d+\]$/.test(path) ? containers[containers.length - 1] : containedTypes(value));
      return ok;
    },
    leaveResource() {
      containers.pop();
    },
    value(value: unknown, info: PropertyInfo, path: string) {
      checkElementBinding(value, info, path, issues);
      if (checkPrimitive(value, info, path, issues)) result.supersededPaths.add(path);
      if (info.type === 'Reference') checkReferenceTarget(value, info, path, containers[containers.length - 1], issues);
    },
    wrongJsonType(expected: string, value: unknown, path: string) {
      const got = Array.isArray(value) ? 'an array' : `a JSON ${typeof value}`;
      issues.push(issue('error', 'structure', `${path}: Invalid JSON type: expected ${expected}, but got ${got}`, path));
    },
    emptyArray(info: PropertyInfo, path: string) {
      issues.push(issue('error', 'structure', `${path}: an empty array is not allowed (omit ${info.name} instead)`, path));
    },
    unknownProperty(key: string, path: string) {
      issues.push(issue('error', 'structure', `${path}.${key}: Invalid additional property "${key}"`, `${path}.${key}`));
    },
    choiceConflict(name: string, keys: string[], path: string) {
      issues.push(issue('error', 'structure', `${path}.${name}: only one of ${keys.map((k) => `"${k}"`).join(', ')} may be present`, `${path}.${name}`));
    },
  };
  walkResource(resource as unknown as Record<string, unknown>, visitor);
  return result;
}
