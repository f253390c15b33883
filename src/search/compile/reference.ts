/**
 * reference parameters (R4 search.html, reference) against ReferenceValue: normalisation has turned
 * each value into the exact `r` strings it matches (`id` → "T/id" for every target type T, "Type/id",
 * an absolute URL on our base → "Type/id", anything else as written); a version also requires `v`.
 * A bare id on a parameter with no target list matches "<any type>/id". `:identifier` matches
 * Reference.identifier. Exact references also get a top-level equality on `sp.<code>.r`, which is the
 * whole condition when no value names a version.
 */
import type { Filter } from '../../storage/port';
import type { ReferenceFilter, ReferenceIdentifierFilter, ReferenceValueNode } from '../ast';
import { allOf, anyValue, escapeRegex, oneOf, spField } from './fields';
import { normalised } from './normalised';
import { codeCondition } from './token';

/** The filter for one reference parameter occurrence (values ORed). */
export function compileReference(node: ReferenceFilter): Filter {
  const filter = anyValue(node.param.code, node.values.map(referenceCondition));
  if (node.values.every((v) => v.refs !== undefined)) {
    const byRef = { [spField(node.param.code, 'r')]: oneOf(node.values.flatMap((v) => v.refs ?? [])) };
    return node.values.every((v) => v.version === undefined) ? byRef : allOf([byRef, filter]);
  }
  return filter;
}

/** The condition on one stored ReferenceValue. */
export function referenceCondition(value: ReferenceValueNode): Filter {
  const out: Filter = value.refs
    ? { r: oneOf(value.refs) }
    : { r: { $regex: `^[A-Za-z]+/${escapeRegex(normalised(value.id, 'reference id'))}$` } };
  if (value.version !== undefined) out.v = value.version;
  return out;
}

/** `:identifier=system|value`: Reference.identifier matches like a token. */
export function compileReferenceIdentifier(node: ReferenceIdentifierFilter): Filter {
  return anyValue(
    node.param.code,
    node.values.map((v) => codeCondition(v, 'is', 'ic')),
  );
}
