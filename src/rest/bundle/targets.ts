/**
 * Where the fullUrls of a transaction's entries point once their ids are known (R4
 * bundle.html#references): `urn:uuid:…`, `urn:oid:…` or any URL → `Type/id`. Used to rewrite
 * references in resources, and fullUrls in the query of conditional URLs and If-None-Exist.
 */
import { invalid } from '../../fhir/outcome';
import { atEntry, type EntryLabel } from './errors';
import { queryParams } from './url';

export class Targets {
  private readonly byFullUrl = new Map<string, string>();

  /** Points the entry's fullUrl at `target`; `replace` revises the entry's own earlier target (a conditional create that matched). */
  set(entry: EntryLabel & { fullUrl?: string }, target: string, replace = false): void {
    if (entry.fullUrl === undefined) return;
    const known = this.byFullUrl.get(entry.fullUrl);
    if (!replace && known !== undefined && known !== target) {
      throw atEntry(invalid(`fullUrl ${entry.fullUrl} names two different resources in this Bundle; each fullUrl must be unique (bdl-7)`), entry, 'fullUrl');
    }
    this.byFullUrl.set(entry.fullUrl, target);
  }

  /**
   * `Type/id` for a reference to an entry: by its fullUrl, or, for a relative reference inside an entry
   * whose fullUrl is a RESTful URL, by that URL's base plus the reference. Undefined when it names no entry.
   */
  resolve(reference: string, from: string | undefined): string | undefined {
    const direct = this.byFullUrl.get(reference);
    if (direct !== undefined || from === undefined || /^[a-z][a-z0-9+.-]*:/i.test(reference)) return direct;
    const base = /^(https?:\/\/.+)\/[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[^/]+)?$/.exec(from)?.[1];
    return base === undefined ? undefined : this.byFullUrl.get(`${base}/${reference}`);
  }

  /** The query with every value (or comma-separated part of one) that is an entry's fullUrl replaced by `Type/id`. */
  inQuery(query: Record<string, string[]>): Record<string, string[]> {
    const out: Record<string, string[]> = Object.create(null);
    for (const [key, values] of Object.entries(query)) out[key] = values.map((v) => v.split(',').map((part) => this.byFullUrl.get(part) ?? part).join(','));
    return out;
  }

  /** An If-None-Exist value (`a=b&…`, `?a=b`, `Type?a=b`) with its fullUrls replaced; unchanged when it has none. */
  inCriteria(header: string): string {
    const mark = header.indexOf('?');
    const prefix = mark >= 0 && !header.slice(0, mark).includes('=') ? header.slice(0, mark + 1) : '';
    const query = queryParams(header.slice(prefix.length));
    const rewritten = this.inQuery(query);
    if (Object.keys(query).every((k) => query[k].every((v, i) => v === rewritten[k][i]))) return header;
    const params = new URLSearchParams();
    for (const [key, values] of Object.entries(rewritten)) for (const v of values) params.append(key, v);
    return `${prefix}${params.toString()}`;
  }
}
