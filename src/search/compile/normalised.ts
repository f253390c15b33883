/** Access to fields that normalisation fills in; their absence is a programming error, not a client one. */
import { fail } from '../../fhir/outcome';

/** Returns `value`, or throws an internal error naming the missing normalised field. */
export function normalised<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw fail('internal', 'exception', `search compiler: ${what} is missing (query not normalised)`);
  return value;
}
