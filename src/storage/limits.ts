/**
 * MongoDB's limits on names and documents, checked by both engines so that what the embedded engine
 * accepts is what MongoDB would accept too, and both refuse alike.
 */
import { DocumentLimitError } from './errors';
import type { Doc } from './port';

/** MongoDB: "no more than 100 levels of nesting for BSON documents; each object or array adds a level". */
export const MAX_DEPTH = 100;
/** MongoDB's maximum BSON document size (the embedded engine measures its UTF-8 JSON instead). */
export const MAX_BYTES = 16 * 1024 * 1024;

/** Throws DocumentLimitError when `doc` nests too deep (checked before serialising it, which recurses). */
export function checkDepth(collection: string, doc: Doc): void {
  if (tooDeep(doc, 1)) throw new DocumentLimitError(collection, doc._id, 'depth', `nests objects and arrays more than ${MAX_DEPTH} levels deep`);
}

/** Throws DocumentLimitError when the document (its size in bytes, or its JSON) is over the size limit. */
export function checkSize(collection: string, id: unknown, size: number | string): void {
  if (typeof size === 'string' && size.length <= MAX_BYTES / 3) return;
  const bytes = typeof size === 'string' ? Buffer.byteLength(size) : size;
  if (bytes > MAX_BYTES) throw new DocumentLimitError(collection, id, 'size', `is ${bytes} bytes, over the ${MAX_BYTES}-byte limit`);
}

function tooDeep(value: unknown, level: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (level > MAX_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (tooDeep(v, level + 1)) return true;
    return false;
  }
  for (const key in value) if (tooDeep((value as Record<string, unknown>)[key], level + 1)) return true;
  return false;
}

/** MongoDB's rules for collection names (no empty name, `$`, NUL, or `system.` prefix). */
export function checkCollectionName(name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('$') || name.includes('\0') || name.startsWith('system.')) {
    throw new Error(`invalid collection name ${JSON.stringify(name)}`);
  }
}
