import { OperationOutcomeError } from '../../src/fhir/outcome';

/** The OperationOutcomeError `fn` throws; fails the test when it throws nothing or something else. */
export function outcomeErrorOf(fn: () => unknown): OperationOutcomeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err;
    throw err;
  }
  throw new Error('expected an OperationOutcomeError');
}
