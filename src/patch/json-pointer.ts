/** JSON Pointer (RFC 6901): the addresses a JSON Patch operation uses (`/name/0/given/-`, `/a~1b/~0c`). */

/** The reference tokens of `pointer`, unescaped (`~1` → `/`, then `~0` → `~`); undefined when it is not a JSON Pointer. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  if (tokens.some((t) => /~(?![01])/.test(t))) return undefined;
  return tokens.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** True when `prefix` addresses a proper ancestor of `pointer` (a value cannot be moved into its own child). */
export function isProperPrefix(prefix: readonly string[], pointer: readonly string[]): boolean {
  return prefix.length < pointer.length && prefix.every((token, i) => token === pointer[i]);
}

/** An array index token: `0` or a number without leading zeros (RFC 6901 §4). */
export function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]{0,14})$/.test(token) ? Number(token) : undefined;
}
