/**
 * token parameters (R4 search.html, token) against TokenValue: `code`, `system|code`, `|code`,
 * `system|`; `:text` (prefix of the folded display/text `t`), `:of-type` (Identifier type + value)
 * and `:in` (membership in an expanded ValueSet). `:not` and `:not-in` arrive as `not` nodes.
 * Values that are all `code`, or all `system|code`, compile to one equality on `sp.<code>.c` or
 * `sp.<code>.k` (indexed on both engines); other code lists also get the `c` equality for the index.
 */
import type { Filter } from '../../storage/port';
import type { InFilter, OfTypeFilter, TokenFilter, TokenTextFilter, TokenValueNode } from '../ast';
import { allOf, anyOf, anyValue, escapeRegex, NEVER, oneOf, spField } from './fields';
import { normalised } from './normalised';
import { tokenKey } from '../index-values';

/** The filter for one token parameter occurrence (values ORed). */
export function compileToken(node: TokenFilter): Filter {
  const filter = anyValue(node.param.code, node.values.map(tokenCondition));
  const codes = node.values.map((v) => v.code);
  if (!codes.every((c): c is string => c !== undefined)) return filter;
  const byCode = { [spField(node.param.code, 'c')]: oneOf(codes) };
  if (node.values.every((v) => v.system === undefined)) return byCode;
  const keys = node.values.map((v) => (typeof v.system === 'string' && v.code !== undefined ? tokenKey(v.system, v.code) : undefined));
  if (keys.every((k): k is string => k !== undefined)) return { [spField(node.param.code, 'k')]: oneOf(keys) };
  return allOf([byCode, filter]);
}

/** The condition on one stored TokenValue. */
export function tokenCondition(value: TokenValueNode): Filter {
  return codeCondition(value, 's', 'c');
}

/** system/code matching on the given field names (also used for Reference.identifier `is`/`ic`). */
export function codeCondition(value: TokenValueNode, systemField: string, codeField: string): Filter {
  const out: Filter = {};
  if (value.system === null) out[systemField] = { $exists: false };
  else if (value.system !== undefined) out[systemField] = value.system;
  if (value.code !== undefined) out[codeField] = value.code;
  return out;
}

/** `:text`: the folded search text is a prefix of the folded display/text. */
export function compileTokenText(node: TokenTextFilter): Filter {
  return anyValue(
    node.param.code,
    node.values.map((v) => ({ t: { $regex: `^${escapeRegex(normalised(v.folded, 'folded text'))}` } })),
  );
}

/** `:of-type=system|code|value`: an Identifier whose type coding and value all match. */
export function compileOfType(node: OfTypeFilter): Filter {
  return anyValue(
    node.param.code,
    node.values.map((v) => ({ ts: v.system, tc: v.code, c: v.value })),
  );
}

/**
 * `:in`: some value's system and code are in the expansion (grouped by system). A value without a
 * system (a `code` element, whose system is implied by its binding) matches on its code alone.
 */
export function compileIn(node: InFilter): Filter {
  const bySystem = new Map<string, string[]>();
  for (const { system, code } of node.codes) {
    const codes = bySystem.get(system);
    if (codes) codes.push(code);
    else bySystem.set(system, [code]);
  }
  if (bySystem.size === 0) return NEVER;
  const groups: Filter[] = [...bySystem].map(([s, codes]) => ({ s, c: oneOf(codes) }));
  groups.push({ s: { $exists: false }, c: oneOf(node.codes.map((p) => p.code)) });
  return { [spField(node.param.code)]: { $elemMatch: anyOf(groups) } };
}
