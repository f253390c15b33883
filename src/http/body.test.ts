import { OperationOutcomeError } from '../fhir/outcome';
import { MAX_DEPTH, parseJsonBody } from './body';

const parse = (text: string) => parseJsonBody(Buffer.from(text), 'application/fhir+json');

/** The error parseJsonBody throws for `text`. */
function refusal(text: string): OperationOutcomeError {
  try {
    parse(text);
  } catch (err) {
    return err as OperationOutcomeError;
  }
  throw new Error('accepted');
}

describe('request bodies nested too deeply (body.ts)', () => {
  const items = (depth: number) => '{"resourceType":"Questionnaire","status":"draft","item":' + '[{"linkId":"g","item":'.repeat(depth) + '[]' + '}]'.repeat(depth) + '}';

  it('accepts nesting up to the limit', () => {
    // Each level of item is an array and an object: MAX_DEPTH / 2 levels reach MAX_DEPTH - 1 below the root.
    expect(parse(items(MAX_DEPTH / 2 - 1))).toMatchObject({ resourceType: 'Questionnaire' });
  });

  it('refuses deeper nesting with the path of the first value too deep', () => {
    const err = refusal(items(MAX_DEPTH));
    expect(err).toBeInstanceOf(OperationOutcomeError);
    const expected = 'Questionnaire.item' + '[0].item'.repeat(MAX_DEPTH / 2 - 1) + '[0]';
    expect(err.outcome.issue?.[0].expression).toEqual([expected]);
    expect(err.message).toContain(`more than ${MAX_DEPTH} levels deep (at ${expected})`);
  });

  it('names the root of a body that is nothing but arrays', () => {
    expect(refusal('['.repeat(MAX_DEPTH + 1) + ']'.repeat(MAX_DEPTH + 1)).message).toMatch(/levels deep \(at \[0\]/);
  });
});
