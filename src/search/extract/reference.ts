/**
 * reference parameters (R4 search.html, reference). A Reference's string becomes `r`:
 * - "Type/id" and "[our base]/Type/id" → r "Type/id" with typ and id;
 * - "…/_history/n" → the same without the history part, and v "n";
 * - another server's "[base]/Type/id" → r as written (without history), typ only (its id is not ours);
 * - "#x" (contained) → r "#x" as written, typ of the contained resource, no id, so a search by id
 *   never matches a contained resource while `:Type` and target restrictions still work;
 * - urn:uuid:, urn:oid: and anything else → r as written.
 * Reference.type fills typ when the string does not give it; Reference.identifier gives is/ic.
 * A canonical becomes r = the URL without "|version" and v = the version; a uri is taken as written.
 * With a `resolve() is T` restriction, only references whose type is known and in the list are kept.
 */
import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';
import type { ReferenceValue } from '../index-values';
import { isResourceType } from '../../validation/definitions';
import type { Element } from './elements';
import { withoutVersion } from './uri';

export interface ReferenceContext {
  /** The server's base URL without trailing slash, e.g. "https://relay.example/fhir". */
  baseUrl: string;
  /** The resource being indexed (for contained references). */
  resource: Resource;
  /** From `.where(resolve() is T)`: the only target types to keep. */
  restrictTo?: readonly string[];
}

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const ABSOLUTE = /^(.*\/([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const STRUCTURE_DEFINITION = 'http://hl7.org/fhir/StructureDefinition/';

/** The reference index values of one evaluated element. */
export function referenceValues(el: Element, ctx: ReferenceContext): ReferenceValue[] {
  const value = convert(el, ctx);
  if (!value) return [];
  if (ctx.restrictTo && !(value.typ && ctx.restrictTo.includes(value.typ))) return [];
  return [value];
}

function convert(el: Element, ctx: ReferenceContext): ReferenceValue | undefined {
  if (el.type === 'Reference') return reference(el.value as Reference, ctx);
  if (typeof el.value !== 'string' || el.value === '') return undefined;
  if (el.type === 'canonical') {
    const { url, version } = withoutVersion(el.value);
    return version ? { r: url, v: version } : { r: url };
  }
  return el.type === 'uri' || el.type === 'url' || el.type === 'string' ? { r: el.value } : undefined;
}

function reference(ref: Reference, ctx: ReferenceContext): ReferenceValue | undefined {
  const out: ReferenceValue = typeof ref.reference === 'string' && ref.reference !== '' ? parseReference(ref.reference, ctx.baseUrl, ctx.resource) : {};
  if (!out.typ && typeof ref.type === 'string') {
    const typ = ref.type.startsWith(STRUCTURE_DEFINITION) ? ref.type.slice(STRUCTURE_DEFINITION.length) : ref.type;
    if (isResourceType(typ)) out.typ = typ;
  }
  const identifier: Identifier | undefined = ref.identifier;
  if (typeof identifier?.system === 'string') out.is = identifier.system;
  if (typeof identifier?.value === 'string') out.ic = identifier.value;
  return out.r !== undefined || out.is !== undefined || out.ic !== undefined ? out : undefined;
}

/** Parses a Reference.reference string as described in the file comment. */
export function parseReference(text: string, baseUrl: string, resource?: Resource): ReferenceValue {
  if (text.startsWith('#')) {
    const contained = (resource as { contained?: Resource[] } | undefined)?.contained;
    const typ = Array.isArray(contained) ? contained.find((c) => c?.id === text.slice(1))?.resourceType : undefined;
    return typ ? { r: text, typ } : { r: text };
  }
  const local = text.startsWith(baseUrl + '/') ? text.slice(baseUrl.length + 1) : text;
  const rel = RELATIVE.exec(local);
  if (rel && isResourceType(rel[1])) {
    const out: ReferenceValue = { r: `${rel[1]}/${rel[2]}`, typ: rel[1], id: rel[2] };
    if (rel[3]) out.v = rel[3];
    return out;
  }
  const abs = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? ABSOLUTE.exec(text) : null;
  if (abs && isResourceType(abs[2])) {
    const out: ReferenceValue = { r: abs[1], typ: abs[2] };
    if (abs[3]) out.v = abs[3];
    return out;
  }
  return { r: text };
}
