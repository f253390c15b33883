import { OperationOutcomeError } from '../fhir/outcome';
import { MAX_DEPTH, parseJsonBody } from './body';

const parse = (text: string) => parseJsonBody({ body: Buffer.from(text) }, 'application/fhir+json');

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

describe('taking the raw body (body.ts parseJsonBody)', () => {
  it('takes the bytes from the request, leaving req.body undefined', () => {
    const req: { body?: unknown } = { body: Buffer.from('{"resourceType":"Patient","name":[{"text":"Zoë"}]}') };
    expect(parseJsonBody(req, 'application/fhir+json')).toEqual({ resourceType: 'Patient', name: [{ text: 'Zoë' }] });
    expect(req.body).toBeUndefined();
  });

  it('parses a large body whose bytes it lets go of first, and still explains invalid JSON', () => {
    const resource = { resourceType: 'Binary', contentType: 'text/plain', data: 'QUJD'.repeat(5 << 20), id: 'ü' };
    const req: { body?: unknown } = { body: Buffer.from(JSON.stringify(resource)) };
    expect(parseJsonBody(req, 'application/fhir+json')).toEqual(resource);
    const bad = { body: Buffer.from(`${JSON.stringify(resource).slice(0, -1)},}`) };
    expect(() => parseJsonBody(bad, 'application/fhir+json')).toThrow(/the body is not valid JSON/);
  });
});
