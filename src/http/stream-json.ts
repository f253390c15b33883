/**
 * Sends a large Bundle (a transaction-response of a large import, a big batch or search page) as
 * FHIR JSON in chunks, entry by entry, with backpressure: byte for byte what JSON.stringify gives,
 * without ever making the whole response one string (UTF-16 as soon as one character is not
 * Latin-1: twice the size) plus one Buffer of it, as res.send would.
 */
import type { Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';

/** Bundles with at least this many entries are streamed; smaller ones are sent whole (with Content-Length). */
export const STREAM_MIN_ENTRIES = 200;
/** Entries are written in pieces of about this many characters. */
const CHUNK_CHARS = 256 * 1024;

/** Whether `body` is a Bundle worth streaming. */
export function isLargeBundle(body: Resource | undefined): boolean {
  return body?.resourceType === 'Bundle' && Array.isArray(body.entry) && body.entry.length >= STREAM_MIN_ENTRIES;
}

/** Streams `body`'s JSON (compact, as JSON.stringify) to `res`; resolves when written or when the client has gone. */
export async function streamJson(res: Response, body: Record<string, unknown>): Promise<void> {
  let chunk = '{';
  let first = true;
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (key === 'entry' && Array.isArray(value)) {
      chunk += `${first ? '' : ','}"entry":[`;
      for (let i = 0; i < value.length; i++) {
        chunk += (i === 0 ? '' : ',') + (JSON.stringify(value[i]) ?? 'null');
        if (chunk.length >= CHUNK_CHARS) {
          if (!(await write(res, chunk))) return;
          chunk = '';
        }
      }
      chunk += ']';
      first = false;
      continue;
    }
    const json = JSON.stringify(value);
    if (json === undefined) continue;
    chunk += `${first ? '' : ','}${JSON.stringify(key)}:${json}`;
    first = false;
  }
  chunk += '}';
  if (await write(res, chunk)) res.end();
}

/** Writes one piece, waiting for the socket to drain when its buffer is full; false when the client has gone. */
async function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk, 'utf8')) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
  return !res.destroyed;
}
