/** FHIR ids and version tags (R4 datatypes: id; http.html#versioning). */
import { randomUUID } from 'node:crypto';
import { invalid } from './outcome';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * True when `id` matches the R4 id datatype (1–64 of A–Z a–z 0–9 - .), except "." and "..": URLs
 * treat those as dot-segments, so a resource with such an id could never be read back by URL.
 */
export function isValidId(id: string): boolean {
  return ID.test(id) && id !== '.' && id !== '..';
}

/** Throws a 400 OperationOutcome naming the bad id. */
export function assertValidId(id: string, expression?: string): void {
  if (!isValidId(id)) {
    throw invalid(`"${id}" is not a valid FHIR id (1-64 characters from A-Z, a-z, 0-9, '-' and '.')`, expression);
  }
}

/**
 * A new server-assigned logical id: a UUID, as one flat string. randomUUID() joins its string from
 * about 20 pieces, which V8 keeps as a tree of ~480 bytes until something flattens it; an id lives as
 * long as its resource, and a large transaction plans one per create at once (57 bytes flat).
 */
export function newId(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}

/** The weak ETag for a version: W/"3". */
export function etag(versionId: string): string {
  return `W/"${versionId}"`;
}

/**
 * The version named by an If-Match / ETag value (W/"3", "3", or 3); undefined when it names none.
 * Throws 400 when the header is present but unreadable.
 */
export function parseVersionTag(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const m = /^\s*(?:W\/)?"?([A-Za-z0-9\-.]{1,64})"?\s*$/.exec(header);
  if (!m) throw invalid(`If-Match value ${JSON.stringify(header)} is not an ETag such as W/"1"`);
  return m[1];
}
