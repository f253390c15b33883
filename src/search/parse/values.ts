/**
 * Values of the unordered parameter types (R4 search.html: string, token, reference, uri, and the
 * components of composite values). Each takes one OR-alternative, still escaped.
 */
import { invalid } from '../../fhir/outcome';
import { isResourceType } from '../../validation/definitions';
import type { OfTypeValueNode, ReferenceValueNode, StringValueNode, TokenValueNode, UriValueNode } from '../ast';
import { splitEscaped, unescapeValue } from './escape';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPED = /^([A-Z][A-Za-z]*)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const VERSIONED_URL = /^(.*\/([A-Z][A-Za-z]*)\/[A-Za-z0-9\-.]{1,64})\/_history\/([A-Za-z0-9\-.]{1,64})$/;

/** A string value (matched by prefix, `:contains` or `:exact`). */
export function parseStringValue(raw: string): StringValueNode {
  return { kind: 'string', text: unescapeValue(raw) };
}

/** A token: `code`, `system|code`, `|code` (no system) or `system|`; more than one `|` is a 400. */
export function parseTokenValue(raw: string, parameter: string): TokenValueNode {
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  if (parts.length > 2) throw invalid(`${parameter}: token "${unescapeValue(raw)}" has more than one unescaped "|"`, parameter);
  if (parts.length === 1) return { kind: 'token', code: parts[0] };
  const [system, code] = parts;
  if (system === '' && code === '') throw invalid(`${parameter}: token "|" names neither a system nor a code`, parameter);
  const node: TokenValueNode = { kind: 'token', system: system === '' ? null : system };
  if (code !== '') node.code = code;
  return node;
}

/** `:of-type`: exactly `system|code|value`, all three present. */
export function parseOfTypeValue(raw: string, parameter: string): OfTypeValueNode {
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw invalid(`${parameter}: :of-type value "${unescapeValue(raw)}" must be system|code|value`, parameter);
  }
  return { kind: 'of-type', system: parts[0], code: parts[1], value: parts[2] };
}

/**
 * A reference: `id`, `Type/id[/_history/v]`, or an absolute URL (`…/Type/id/_history/v` gives a
 * version, as extraction does) / canonical (`url|version`).
 * `typeModifier` is the `:Type` modifier, which must agree with a typed value (URLs are taken as written).
 */
export function parseReferenceValue(raw: string, parameter: string, typeModifier?: string): ReferenceValueNode {
  const text = unescapeValue(raw);
  if (ABSOLUTE.test(text)) {
    const history = VERSIONED_URL.exec(text);
    if (history && isResourceType(history[2])) return { kind: 'reference', url: history[1], version: history[3] };
    const bar = text.indexOf('|');
    const node: ReferenceValueNode = { kind: 'reference', url: bar < 0 ? text : text.slice(0, bar) };
    if (bar >= 0 && bar < text.length - 1) node.version = text.slice(bar + 1);
    return node;
  }
  const typed = TYPED.exec(text);
  if (typed) {
    const [, type, id, version] = typed;
    if (typeModifier && typeModifier !== type) throw invalid(`${parameter}: reference "${text}" is not a ${typeModifier}`, parameter);
    return version ? { kind: 'reference', type, id, version } : { kind: 'reference', type, id };
  }
  if (ID.test(text)) return typeModifier ? { kind: 'reference', type: typeModifier, id: text } : { kind: 'reference', id: text };
  throw invalid(`${parameter}: "${text}" is not a reference (id, Type/id or absolute URL)`, parameter);
}

/** A uri value, compared as written. */
export function parseUriValue(raw: string): UriValueNode {
  return { kind: 'uri', uri: unescapeValue(raw) };
}
