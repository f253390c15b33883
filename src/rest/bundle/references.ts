/**
 * Links inside the resources of a transaction (R4 bundle.html#references, http.html#trules): every
 * `reference` string anywhere in a resource tree (in elements, backbone elements, extensions,
 * contained resources), every element of type uri, url, oid or uuid (found with the R4 model; never
 * a canonical, as R4 asks) and the links of narrative XHTML (`href`, `src`), found and rewritten.
 * Pure: no storage, no HTTP.
 */
import { PRIMITIVE_TYPES, propertiesOf } from '../../validation/walk';
import { isResourceType } from '../../validation/definitions';
import { invalid } from '../../fhir/outcome';

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
 * `root` with each `reference` string that `replace` maps replaced, as are values of type uri, url,
 * oid and uuid (when `root` is a resource) and `href="…"` and `src="…"` values in narrative `div`s.
 * `replace` answers undefined to keep a value. Copy on write: `root` is never changed; only the
 * objects and arrays on the way to a replaced value are copied, everything else (in a large import:
 * almost all of the resource, and every string) is shared with `root`, so a transaction's planned
 * bodies cost little beside the parsed Bundle, and a retried transaction plans from intact entries.
 */
export function rewriteReferences<T>(root: T, replace: (reference: string) => string | undefined): T {
  const type = isObject(root) && typeof root.resourceType === 'string' && isResourceType(root.resourceType) ? root.resourceType : undefined;
  return rewriteNode(root, type, replace, 0) as T;
}

/** Deeper than any storable resource (storage/limits.ts allows 100 levels): refused rather than overflowing the stack. */
const MAX_REWRITE_DEPTH = 200;

/** `node` (of FHIR type `type`, when known) with its links replaced; `node` itself when nothing changed. */
function rewriteNode(node: unknown, type: string | undefined, replace: (link: string) => string | undefined, depth: number): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (depth > MAX_REWRITE_DEPTH) throw invalid(`the resource nests objects and arrays more than ${MAX_REWRITE_DEPTH} levels deep`);
  if (Array.isArray(node)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const next = rewriteNode(node[i], type, replace, depth + 1);
      if (next !== node[i]) (out ??= node.slice())[i] = next;
    }
    return out ?? node;
  }
  const holder = node as Record<string, unknown>;
  const props = type === undefined ? undefined : propertiesOf(type);
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(holder)) {
    const value = holder[key];
    const next = rewriteValue(key, value, props?.get(key)?.type, replace, depth);
    if (next !== value) (out ??= copyObject(holder))[key] = next;
  }
  return out ?? node;
}

/** The value of property `key` (of FHIR type `type`, when known) with its links replaced. */
function rewriteValue(key: string, value: unknown, type: string | undefined, replace: (link: string) => string | undefined, depth: number): unknown {
  if (typeof value === 'string') {
    if (type !== undefined && LINK_TYPES.has(type)) return replace(value) ?? value;
    if (key === 'reference') return replace(value) ?? value;
    if (key === 'div') return replaceNarrativeLinks(value, replace);
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (type !== undefined && LINK_TYPES.has(type) && Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const next = typeof v === 'string' ? (replace(v) ?? v) : rewriteNode(v, undefined, replace, depth + 1);
      if (next !== v) (out ??= value.slice())[i] = next;
    });
    return out ?? value;
  }
  // Primitive types (and unknown elements) are walked without the model: only `reference` and `div` keys count there.
  const childType = type === undefined || PRIMITIVE_TYPES.has(type) ? undefined : type;
  if (childType !== 'Resource') return rewriteNode(value, childType, replace, depth + 1);
  if (!Array.isArray(value)) return rewriteNode(value, resourceTypeOf(value), replace, depth + 1);
  let out: unknown[] | undefined;
  value.forEach((v, i) => {
    const next = rewriteNode(v, resourceTypeOf(v), replace, depth + 2);
    if (next !== v) (out ??= value.slice())[i] = next;
  });
  return out ?? value;
}

function resourceTypeOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.resourceType === 'string' && isResourceType(value.resourceType) ? value.resourceType : undefined;
}

function replaceNarrativeLinks(div: string, replace: (link: string) => string | undefined): string {
  if (!div.includes('href=') && !div.includes('src=')) return div;
  return div.replace(/\b(href|src)=(["'])([^"']*)\2/g, (whole, attr: string, quote: string, link: string) => {
    const next = replace(link);
    return next === undefined ? whole : `${attr}=${quote}${next}${quote}`;
  });
}

/** A shallow copy keeping an own `__proto__` key a plain property (as JSON.parse makes it). */
function copyObject(holder: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(holder)) {
    if (key === '__proto__') Object.defineProperty(out, key, { value: holder[key], enumerable: true, writable: true, configurable: true });
    else out[key] = holder[key];
  }
  return out;
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

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
