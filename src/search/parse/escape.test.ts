import { splitEscaped, unescapeValue } from './escape';

describe('search value escaping', () => {
  it('splits at unescaped separators only, keeping the escapes for the next level', () => {
    expect(splitEscaped('a,b\\,c,d', ',')).toEqual(['a', 'b\\,c', 'd']);
    expect(splitEscaped('sys|co\\|de', '|')).toEqual(['sys', 'co\\|de']);
    expect(splitEscaped('a$b\\$c', '$')).toEqual(['a', 'b\\$c']);
  });

  it('treats an escaped backslash as a literal, so the separator after it still splits', () => {
    expect(splitEscaped('a\\\\,b', ',')).toEqual(['a\\\\', 'b']);
    expect(unescapeValue('a\\\\')).toBe('a\\');
  });

  it('keeps empty parts (a trailing or leading separator)', () => {
    expect(splitEscaped('|code', '|')).toEqual(['', 'code']);
    expect(splitEscaped('sys|', '|')).toEqual(['sys', '']);
    expect(splitEscaped('', ',')).toEqual(['']);
  });

  it('unescapes only the four escapable characters', () => {
    expect(unescapeValue('\\,\\|\\$\\\\')).toBe(',|$\\');
    expect(unescapeValue('a\\nb\\')).toBe('a\\nb\\');
  });
});
