/**
 * One shared instance of each short string value the stored documents hold. FHIR data repeats the
 * same short strings in document after document (code systems, codes, units, statuses, references to
 * the same patient, index keys): as parsed or computed, each occurrence is its own string of 20–60
 * bytes. Stored documents keep the first instance instead (about a quarter less memory for an import
 * of patient records). Bounded: past MAX_ENTRIES distinct values, new ones are kept as they come.
 */

/** Longer strings are rarely repeated (free text, base64 data) and are kept as they are. */
const MAX_LENGTH = 96;
/** Distinct values remembered; at about 100 bytes each, at most ~25 MB. */
const MAX_ENTRIES = 250_000;

export class Interner {
  private readonly pool = new Map<string, string>();

  /** The shared instance equal to `s` (s itself the first time, or when it is long). */
  intern(s: string): string {
    if (s.length > MAX_LENGTH) return s;
    const known = this.pool.get(s);
    if (known !== undefined) return known;
    if (this.pool.size < MAX_ENTRIES) this.pool.set(s, s);
    return s;
  }

  /** Replaces, in place, every string value inside `value` (a mutable JSON value, e.g. just parsed) by its shared instance. */
  internAll(value: unknown): void {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string') value[i] = this.intern(item);
        else this.internAll(item);
      }
      return;
    }
    const object = value as Record<string, unknown>;
    for (const key in object) {
      const item = object[key];
      if (typeof item === 'string') object[key] = this.intern(item);
      else this.internAll(item);
    }
  }
}
