/**
 * Search value escaping (R4 search.html "Escaping Search Parameters"): `\,` `\|` `\$` and `\\` stand
 * for the literal characters; unescaped `,` separates OR values, `|` token/quantity parts and `$`
 * composite components.
 */

/** Splits `text` at every `separator` not preceded by an escaping backslash; the parts stay escaped. */
export function splitEscaped(text: string, separator: ',' | '|' | '$'): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Removes the escaping backslash before `,` `|` `$` and `\`; any other backslash stays literal. */
export function unescapeValue(text: string): string {
  return text.replace(/\\([,|$\\])/g, '$1');
}
