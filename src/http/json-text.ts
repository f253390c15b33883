/**
 * A request body's text for JSON.parse, kept one byte per character. Decoding UTF-8 as usual makes
 * V8 store the whole text as UTF-16 (twice the body's size) as soon as one character is outside
 * Latin-1 (one ✓ in a 50 MB transaction is enough). Non-ASCII characters may stand only inside JSON
 * strings, where the escape `\uXXXX` means the very same character, so the text is the body's ASCII
 * as it is, with every non-ASCII character written as its escape: JSON.parse gives the same value.
 */
import { isAscii } from 'node:buffer';

/** Bytes examined at a time when looking for non-ASCII characters. */
const BLOCK = 64 * 1024;
const BACKSLASH = 0x5c;

/** The JSON text of a UTF-8 body (a leading byte order mark dropped), one byte per character unless that would change its meaning. */
export function jsonText(raw: Buffer): string {
  const start = raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  const body = raw.subarray(start);
  if (isAscii(body)) return body.toString('latin1');
  const pieces: string[] = [];
  let copied = 0;
  for (let block = 0; block < body.length; block += BLOCK) {
    const end = Math.min(block + BLOCK, body.length);
    if (isAscii(body.subarray(block, end))) continue;
    for (let i = Math.max(block, copied); i < end; i++) {
      if (body[i] < 0x80) continue;
      let j = i + 1;
      while (j < body.length && body[j] >= 0x80) j++;
      // An odd run of backslashes before it would escape the character itself (invalid JSON): decode as is, for JSON.parse's own error.
      if (escapedByBackslash(body, i)) return body.toString('utf8');
      pieces.push(body.toString('latin1', copied, i), escapes(body.toString('utf8', i, j)));
      copied = j;
      i = j - 1;
    }
  }
  pieces.push(body.toString('latin1', copied));
  return pieces.join('');
}

function escapedByBackslash(body: Buffer, at: number): boolean {
  let n = 0;
  for (let k = at - 1; k >= 0 && body[k] === BACKSLASH; k--) n++;
  return n % 2 === 1;
}

/** Every UTF-16 code unit of `text` as a JSON escape. */
function escapes(text: string): string {
  let out = '';
  for (let k = 0; k < text.length; k++) out += `\\u${text.charCodeAt(k).toString(16).padStart(4, '0')}`;
  return out;
}
