/**
 * Links inside the resources of a transaction (R4 bundle.html#references, http.html#trules): every
 * `reference` string anywhere in a resource tree (in elements, backbone elements, extensions,
 * contained resources), every element of type uri, url, oid or uuid (found with the R4 model; never
 * a canonical, as R4 asks) and the links of narrative XHTML (`href`, `src`), found and rewritten.
 * Pure: no storage, no HTTP.
 */
import { PRIMITIVE_TYPES, propertiesOf } from '../../validation/walk';
import { isResourceType } from '../../validation/definitions';

/** FHIR types whose values are links that a transaction rewrites (R4 http.html#trules). */
const LINK_TYPES: ReadonlySet<string> = new Set(['uri', 'url', 'oid', 'uuid']);

/** One Reference.reference string and where it sits, as a FHIRPath below the resource (`subject.reference`). */
export interface FoundReference {
  value: string;
  path: string;
}

/** Every `reference` string in `root`, with its path (`extension[0].valueReference.reference`). */
export function findReferences(root: unknown): FoundReference[] {
  const out: FoundReference[] = [];
  walk(root, '', (holder, key, path) => {
    const value = holder[key];
    if (key === 'reference' && typeof value === 'string') out.push({ value, path });
  });
  return out;
}

/**
 * A copy of `root` in which each `reference` string that `replace` maps is replaced, as are values of
 * type uri, url, oid and uuid (when `root` is a resource) and `href="…"` and `src="…"` values in
 * narrative `div`s. `replace` answers undefined to keep a value.
 */
export function rewriteReferences<T>(root: T, replace: (reference: string) => string | undefined): T {
  const copy = structuredClone(root);
  if (isObject(copy) && typeof copy.resourceType === 'string' && isResourceType(copy.resourceType)) rewriteLinks(copy, copy.resourceType, replace);
  walk(copy, '', (holder, key) => {
    const value = holder[key];
    if (typeof value !== 'string') return;
    if (key === 'reference') {
      const next = replace(value);
      if (next !== undefined) holder[key] = next;
    } else if (key === 'div') {
      holder[key] = value.replace(/\b(href|src)=(["'])([^"']*)\2/g, (whole, attr: string, quote: string, link: string) => {
        const next = replace(link);
        return next === undefined ? whole : `${attr}=${quote}${next}${quote}`;
      });
    }
  });
  return copy;
}

/** Visits every property of every object below `value` (iteratively: deep trees do not overflow the stack). */
function walk(value: unknown, root: string, visit: (holder: Record<string, unknown>, key: string, path: string) => void): void {
  const stack: { value: unknown; path: string }[] = [{ value, path: root }];
  while (stack.length) {
    const { value: node, path } = stack.pop() as { value: unknown; path: string };
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]` }));
      continue;
    }
    const holder = node as Record<string, unknown>;
    for (const key of Object.keys(holder)) {
      const childPath = path ? `${path}.${key}` : key;
      visit(holder, key, childPath);
      stack.push({ value: holder[key], path: childPath });
    }
  }
}

/** Replaces mapped values of the link types in `node`, an object of FHIR type `type`, and below it. */
function rewriteLinks(node: Record<string, unknown>, type: string, replace: (link: string) => string | undefined): void {
  const props = propertiesOf(type);
  for (const key of Object.keys(node)) {
    const info = props.get(key);
    if (!info) continue;
    const value = node[key];
    if (LINK_TYPES.has(info.type)) {
      if (typeof value === 'string') node[key] = replace(value) ?? value;
      else if (Array.isArray(value)) node[key] = value.map((v) => (typeof v === 'string' ? (replace(v) ?? v) : v));
      continue;
    }
    if (PRIMITIVE_TYPES.has(info.type)) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (!isObject(item)) continue;
      if (info.type !== 'Resource') rewriteLinks(item, info.type, replace);
      else if (typeof item.resourceType === 'string' && isResourceType(item.resourceType)) rewriteLinks(item, item.resourceType, replace);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
