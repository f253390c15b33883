/**
 * Fixed and pattern values (R4 elementdefinition-definitions.html#ElementDefinition.pattern_x_):
 * a fixed value must equal the instance exactly; a pattern must be contained in it: every property
 * of the pattern is present with a matching value, and every item of a pattern array matches some
 * item of the instance's array (so a pattern on a repeating element, or on a CodeableConcept's
 * `coding`, is satisfied by one matching item among others).
 */

/** True when `value` equals `fixed` exactly (JSON deep equality, property order ignored). */
export function equalsFixed(value: unknown, fixed: unknown): boolean {
  if (value === fixed) return true;
  if (Array.isArray(fixed)) {
    return Array.isArray(value) && value.length === fixed.length && fixed.every((f, i) => equalsFixed(value[i], f));
  }
  if (isRecord(fixed)) {
    if (!isRecord(value)) return false;
    const keys = Object.keys(fixed);
    return keys.length === Object.keys(value).length && keys.every((k) => equalsFixed(value[k], fixed[k]));
  }
  return false;
}

/** True when `value` contains everything `pattern` states. */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    const items = Array.isArray(value) ? value : [value];
    return pattern.every((p) => items.some((v) => matchesPattern(v, p)));
  }
  if (isRecord(pattern)) {
    if (!isRecord(value)) return false;
    return Object.keys(pattern).every((k) => value[k] !== undefined && matchesPattern(value[k], pattern[k]));
  }
  return value === pattern;
}

/** A short JSON rendering of a fixed or pattern value for messages. */
export function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 160 ? text.slice(0, 157) + '...' : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
