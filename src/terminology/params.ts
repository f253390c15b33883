/**
 * Typed reading of the primitive parameters of the terminology operations (R4 operations.html#request:
 * query strings and Parameters values both arrive as strings): booleans are `true` or `false`,
 * integers are non-negative decimals; anything else is a 400 naming the parameter.
 */
import { invalid } from '../fhir/outcome';

export function booleanParam(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalid(`parameter ${name} must be true or false, not ${JSON.stringify(value)}`, name);
}

export function countParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw invalid(`parameter ${name} must be a non-negative integer, not ${JSON.stringify(value)}`, name);
  return n;
}
