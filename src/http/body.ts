/**
 * Request bodies: read raw (up to the configured limit, refused with 413 before reading when the
 * declared length is larger), then parsed as JSON here so every failure becomes an OperationOutcome.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { fail, invalid } from '../fhir/outcome';
import { assertJsonBody, JSON_TYPES } from './negotiation';
import { jsonText } from './json-text';
import { heapBudget } from '../runtime/heap';

/**
 * Express middleware that leaves the raw body (a Buffer) in req.body for methods that carry one;
 * a raw Binary upload is left unread, to be streamed (isRawUpload).
 */
export function rawBody(limitBytes: number): RequestHandler {
  const raw = express.raw({ type: () => true, limit: limitBytes });
  return (req, res, next) => {
    if (isRawUpload(req)) return next();
    const length = largeDeclaredLength(req, limitBytes);
    return length === undefined ? raw(req, res, next) : readInto(req, length, next);
  };
}

/** Bodies declared at least this large are read into one buffer of their size (readInto). */
const LARGE_BODY_BYTES = 1 << 20;

/** The declared length of a large, unencoded body within the limit; anything else is left to body-parser (its checks, its errors). */
function largeDeclaredLength(req: Request, limitBytes: number): number | undefined {
  const declared = req.headers['content-length'];
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (declared === undefined || !/^\d+$/.test(declared) || (encoding !== undefined && encoding !== 'identity')) return undefined;
  const length = Number(declared);
  return length >= LARGE_BODY_BYTES && length <= limitBytes ? length : undefined;
}

/**
 * Reads a body of a declared length straight into one buffer of that size, as body-parser would
 * read it (same errors: 'request.aborted', 'request.size.invalid'), without holding every chunk
 * until the end and then a joined copy (a 50 MB import was 100 MB at that moment).
 */
function readInto(req: Request, length: number, next: (err?: unknown) => void): void {
  const body = Buffer.allocUnsafe(length);
  let received = 0;
  let done = false;
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('aborted', onAborted);
    req.off('error', finish);
    if (err) {
      req.resume();
      return next(err);
    }
    (req as Request & { _body?: boolean })._body = true;
    req.body = body;
    next();
  };
  const sizeError = () => Object.assign(new Error('request size did not match content length'), { status: 400, type: 'request.size.invalid', expected: length, length: received, received });
  const onData = (chunk: Buffer) => {
    if (received + chunk.length > length) return finish(sizeError());
    chunk.copy(body, received);
    received += chunk.length;
  };
  const onEnd = () => finish(received === length ? undefined : sizeError());
  const onAborted = () => finish(Object.assign(new Error('request aborted'), { status: 400, type: 'request.aborted', code: 'ECONNABORTED', expected: length, length, received }));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('aborted', onAborted);
  req.on('error', finish);
}

const BINARY_TYPE = /^\/Binary\/?$/;
const BINARY_INSTANCE = /^\/Binary\/[^/]+\/?$/;
// FHIR XML is a resource format Relay does not speak (415), not content.
const NOT_RAW = new Set([...JSON_TYPES, 'application/x-www-form-urlencoded', 'application/fhir+xml', 'application/xml+fhir']);

/**
 * A raw Binary upload (R4 http.html#binary): POST [base]/Binary or PUT [base]/Binary/[id] with a
 * Content-Type other than FHIR JSON (or a form). Its body is the content, streamed, not parsed.
 */
export function isRawUpload(req: Request): boolean {
  const type = req.get('content-type')?.split(';')[0].trim().toLowerCase();
  if (!type || NOT_RAW.has(type)) return false;
  const path = req.path;
  return (req.method === 'POST' && BINARY_TYPE.test(path)) || (req.method === 'PUT' && BINARY_INSTANCE.test(path));
}

/** How long a refused upload's connection is kept reading (and discarding) after the answer. */
const LINGER_MS = 2000;

/**
 * For an upload refused before its end (413, 422, ...): once the answer is sent, discards what the
 * client still sends for a moment and then closes the connection. Closing at once would reset it
 * while the client is still sending, and the client could lose the answer (a "lingering close").
 */
export function lingerThenClose(req: Request, res: Response): void {
  res.once('finish', () => {
    const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
    req.resume();
  });
}

/** From this size, a body's raw bytes are let go of, and collected, before its text is parsed. */
const RELEASE_BEFORE_PARSE_BYTES = 16 << 20;

/**
 * The parsed JSON body of `req` (its raw bytes in req.body, which this takes: req.body is left
 * undefined), or undefined when the request has none; `alsoAccepted` are JSON media types the route
 * takes besides FHIR JSON.
 */
export function parseJsonBody(req: { body?: unknown }, contentType: string | undefined, alsoAccepted: readonly string[] = []): unknown {
  let raw: Buffer | undefined = Buffer.isBuffer(req.body) ? req.body : undefined;
  req.body = undefined;
  if (raw === undefined || raw.length === 0) return undefined;
  assertJsonBody(contentType, alsoAccepted);
  // One byte per character (json-text.ts): a large body's text is not twice its size in UTF-16.
  const text = jsonText(raw);
  if (raw.length >= RELEASE_BEFORE_PARSE_BYTES) {
    // The bytes, the text and the parsed body would otherwise all be in memory at once.
    raw = undefined;
    heapBudget.collect();
  }
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The error as the body's own text gives it (the positions of the escaped text could differ); a large body's bytes are gone.
    try {
      parsed = JSON.parse(raw ? raw.toString('utf8').replace(/^\uFEFF/, '') : text);
    } catch (err) {
      throw invalid(`the body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const type = (parsed as { resourceType?: unknown } | null)?.resourceType;
  const found = tooDeep(parsed);
  const deep = found && typeof type === 'string' ? `${type}.${found}` : found;
  if (deep !== undefined) throw invalid(`the body nests objects and arrays more than ${MAX_DEPTH} levels deep (at ${deep}); Relay stores at most ${MAX_DEPTH}`, deep);
  return parsed;
}

/** Deepest nesting a body may have: MongoDB allows 100 levels per document, and the stored document wraps the resource. */
export const MAX_DEPTH = 90;

/**
 * The path of the first value nested deeper than MAX_DEPTH, found without recursion (a deep body must
 * not overflow the stack). The walk keeps depths only; the path is spelled out once one is too deep.
 */
function tooDeep(root: unknown): string | undefined {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  while (values.length) {
    const value = values.pop();
    const depth = depths.pop() as number;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) return pathTo(root, value) || '(root)';
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child === null || typeof child !== 'object') continue;
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return undefined;
}

/** The FHIRPath-like path from `root` to `target` (an object inside it), e.g. `entry[3].resource.contained[0]`. */
function pathTo(root: unknown, target: unknown): string {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  while (stack.length) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (value === target) return path;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, path: `${path}[${i}]` }));
    else for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: path ? `${path}.${k}` : k });
  }
  return '';
}

/** Maps body-parser's own errors (too large, bad encoding, aborted) to OperationOutcome errors. */
export function bodyParserError(err: unknown, limitBytes: number): Error | undefined {
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.too.large') return fail('too-large', 'too-costly', `the body is larger than the limit of ${limitBytes} bytes (RELAY_MAX_BODY)`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return fail('unsupported-media-type', 'not-supported', (err as Error).message);
  if (type === 'request.aborted' || type === 'request.size.invalid' || type === 'stream.encoding.set') return invalid((err as Error).message);
  if ((err as { status?: unknown } | null)?.status === 400) return invalid(`the request could not be read: ${(err as Error).message}`);
  return undefined;
}
