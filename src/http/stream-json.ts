/**
 * Sends a large Bundle (a transaction-response of a large import, a big batch or search page) as
 * FHIR JSON in chunks, entry by entry, with backpressure: byte for byte what JSON.stringify gives,
 * without ever making the whole response one string (UTF-16 as soon as one character is not
 * Latin-1: twice the size) plus one Buffer of it, as res.send would.
 */
import { heapBudget } from '../runtime/heap';
import type { Response } from 'express';
import type { BundleEntry, Resource } from '@medplum/fhirtypes';

/** Bundles with at least this many entries are streamed; smaller ones are sent whole (with Content-Length). */
export const STREAM_MIN_ENTRIES = 200;
/** Entries are written in pieces of about this many characters. */
const CHUNK_CHARS = 256 * 1024;

/** Whether `body` is a Bundle worth streaming. */
export function isLargeBundle(body: Resource | undefined): boolean {
  return body?.resourceType === 'Bundle' && Array.isArray(body.entry) && body.entry.length >= STREAM_MIN_ENTRIES;
}

/**
 * Streams `body`'s JSON (compact, as JSON.stringify) to `res`; resolves when written or when the
 * client has gone. `complete` gives each entry as it is to be sent (FhirResult.completeEntry).
 */
export async function streamJson(res: Response, body: Record<string, unknown>, complete?: (entry: BundleEntry, index: number) => Promise<BundleEntry>): Promise<void> {
  let chunk = '{';
  let first = true;
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (key === 'entry' && Array.isArray(value)) {
      chunk += `${first ? '' : ','}"entry":[`;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = complete ? await completing(res, complete(value[i] as BundleEntry, i)) : value[i];
        chunk += (i === 0 ? '' : ',') + (JSON.stringify(item) ?? 'null');
        if (chunk.length >= CHUNK_CHARS) {
          heapBudget.check();
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

/** The completed entry; when completing fails once the response has started, the connection is closed (the status was sent). */
async function completing(res: Response, entry: Promise<BundleEntry>): Promise<BundleEntry> {
  try {
    return await entry;
  } catch (err) {
    if (res.headersSent) res.destroy();
    throw err;
  }
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
