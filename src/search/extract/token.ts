/**
 * token parameters (R4 search.html, token): Coding (system, code, display), CodeableConcept (each
 * coding, plus its text as a value of its own), Identifier (system, value, type.text, and each
 * type coding as ts/tc), ContactPoint (value only: R4 gives it no token system), and primitives
 * (code, id, uri, string, boolean as "true"/"false") as a code without system.
 */
import type { Coding, CodeableConcept, ContactPoint, Identifier } from '@medplum/fhirtypes';
import { tokenKey, type TokenValue } from '../index-values';
import { fold } from '../fold';
import type { Element } from './elements';

/** The token index values of one evaluated element. */
export function tokenValues(el: Element): TokenValue[] {
  const v = el.value;
  switch (el.type) {
    case 'Coding':
      return present(coding(v as Coding));
    case 'CodeableConcept':
      return codeableConcept(v as CodeableConcept);
    case 'Identifier':
      return identifier(v as Identifier);
    case 'ContactPoint':
      return typeof (v as ContactPoint).value === 'string' ? [{ c: (v as ContactPoint).value }] : [];
    default:
      if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return [{ c: String(v) }];
      return [];
  }
}

function coding(c: Coding): TokenValue {
  const out: TokenValue = {};
  if (!c || typeof c !== 'object') return out;
  if (typeof c.system === 'string') out.s = c.system;
  if (typeof c.code === 'string') out.c = c.code;
  if (out.s !== undefined && out.c !== undefined) out.k = tokenKey(out.s, out.c);
  const t = typeof c.display === 'string' ? fold(c.display) : '';
  if (t) out.t = t;
  return out;
}

function codeableConcept(cc: CodeableConcept): TokenValue[] {
  const out = list<Coding>(cc.coding).flatMap((c) => present(coding(c)));
  const t = typeof cc.text === 'string' ? fold(cc.text) : '';
  if (t) out.push({ t });
  return out;
}

function identifier(id: Identifier): TokenValue[] {
  const base: TokenValue = {};
  if (typeof id.system === 'string') base.s = id.system;
  if (typeof id.value === 'string') base.c = id.value;
  if (base.s !== undefined && base.c !== undefined) base.k = tokenKey(base.s, base.c);
  const t = typeof id.type?.text === 'string' ? fold(id.type.text) : '';
  if (t) base.t = t;
  const types = list<Coding>(id.type?.coding).filter((c) => typeof c.system === 'string' || typeof c.code === 'string');
  if (types.length === 0) return present(base);
  return types.map((c) => {
    const v: TokenValue = { ...base };
    if (typeof c.system === 'string') v.ts = c.system;
    if (typeof c.code === 'string') v.tc = c.code;
    return v;
  });
}

function present(v: TokenValue): TokenValue[] {
  return Object.keys(v).length ? [v] : [];
}

/** Arrays as they should be; anything else (content that escaped validation) as empty. */
function list<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}
