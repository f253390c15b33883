/** The outcome of parsing one query parameter: a result, or "unsupported" (strict: 400, lenient: ignored). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A successfully parsed part. */
export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

/** An unknown parameter or a modifier this server does not support, with the reason shown to strict clients. */
export function unsupported(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
