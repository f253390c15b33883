/**
 * String folding shared by extraction and queries (R4 search.html, string: "case-insensitive and
 * accent-insensitive"): lower case, Unicode NFD with combining marks removed, whitespace runs
 * collapsed to one space, trimmed.
 */

/** Folds `text` for case- and accent-insensitive matching, e.g. "  Zoë\tMüller " → "zoe muller". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
