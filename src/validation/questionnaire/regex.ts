/**
 * Evaluates the pattern of the regex extension (http://hl7.org/fhir/StructureDefinition/regex, an
 * R4 core extension used by SDC) against a whole answer. The pattern is anchored to the whole value,
 * compiled once per pattern (with the `u` flag when the pattern allows it, else without), and run in
 * a separate V8 context with a time limit so a catastrophically backtracking pattern in a
 * Questionnaire cannot stall the server.
 */
import vm from 'node:vm';

export type RegexOutcome = 'match' | 'no-match' | 'invalid' | 'timeout';

const TIME_LIMIT_MS = 50;
const MAX_CACHED = 500;

const compiled = new Map<string, RegExp | null>();
const sandbox = vm.createContext({ re: /(?:)/, text: '' });
const runTest = new vm.Script('re.test(text)');

/** Whether a value matches a pattern in full; `invalid` for a pattern JavaScript cannot compile. */
export function matchesWhole(pattern: string, value: string): RegexOutcome {
  const re = compile(pattern);
  if (!re) return 'invalid';
  sandbox.re = re;
  sandbox.text = value;
  try {
    return runTest.runInContext(sandbox, { timeout: TIME_LIMIT_MS }) === true ? 'match' : 'no-match';
  } catch {
    return 'timeout';
  } finally {
    sandbox.text = '';
  }
}

function compile(pattern: string): RegExp | null {
  let re = compiled.get(pattern);
  if (re !== undefined) return re;
  re = anchored(pattern, 'u') ?? anchored(pattern, '');
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

/** The pattern wrapped in ^(?:...)$, only when it also compiles alone (so "a)|(b" cannot escape the anchors). */
function anchored(pattern: string, flags: string): RegExp | null {
  return tryRegExp(pattern, flags) ? tryRegExp(`^(?:${pattern})$`, flags) : null;
}

function tryRegExp(source: string, flags: string): RegExp | null {
  try {
    return new RegExp(source, flags);
  } catch {
    return null;
  }
}
