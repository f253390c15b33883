/**
 * Plans a transaction inside its store transaction (R4 http.html#trules, bundle.html#references), in
 * two steps around the DELETE entries, which run first:
 * - before them: every create gets its id in advance (so entries may reference each other, even in
 *   circles), and conditional deletes are resolved to the resources they select;
 * - after them: conditional creates (two with the same criteria become one resource), updates and
 *   patches are resolved; two writes (DELETE, PUT, PATCH) to one resource fail the transaction;
 *   links are rewritten: the fullUrls of entries (`urn:uuid:`, `urn:oid:`, any URL) to `Type/id`,
 *   and conditional references (`Patient?identifier=…`) to the one resource they match (none: 400,
 *   several: 412).
 * Each conditional write claims its criteria's guard here, so concurrent requests act one after the other.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Repository } from '../../repository/repository';
import { MAX_CONDITIONAL_DELETE, type ConditionalCriteria } from '../../repository/conditional';
import { criteriaFromHeader, criteriaFromQuery } from '../criteria';
import { assertKnownType } from '../resource-type';
import { newId } from '../../fhir/ids';
import { invalid, preconditionFailed } from '../../fhir/outcome';
import { isResourceType } from '../../validation/definitions';
import { entryPath, type PreparedEntry } from './entries';
import { atEntry } from './errors';
import { findReferences, rewriteReferences } from './references';
import { Targets } from './targets';
import { queryParams } from './url';
import type { Breather } from './breather';

export interface PlannedEntry extends PreparedEntry {
  /** A conditional create with the same criteria as entry `sameAs`, which creates (or matched) the one resource for both. */
  sameAs?: number;
  /** The id of the resource this write will create or change, when known in advance: checked after it runs. */
  plannedId?: string;
}

export interface PlanOptions {
  /** RELAY_CONDITIONAL_DELETE_MULTIPLE: a conditional delete may select several resources. */
  conditionalDeleteMultiple: boolean;
  /** Lets other requests be served between entries while a large transaction is planned. */
  breather: Breather;
}

/** The plan of one transaction: `deletes()` before the DELETE entries run, `others()` after. */
export class TransactionPlan {
  private readonly entries: PlannedEntry[];
  private readonly targets = new Targets();
  /** Conditional creates by `Type?canonical criteria`. */
  private readonly creates = new Map<string, PlannedEntry>();
  /** `Type/id` → the entry that writes it. */
  private readonly identities = new Map<string, PlannedEntry>();

  constructor(
    private readonly tx: Repository,
    prepared: readonly PreparedEntry[],
    private readonly options: PlanOptions,
  ) {
    this.entries = prepared.map((e) => ({ ...e, request: { ...e.request, headers: { ...e.request.headers } } }));
    for (const entry of this.entries) {
      const { type, id } = entry.request;
      if (entry.method === 'POST' && entry.interaction.code === 'create') {
        entry.request.assignedId = entry.plannedId = newId();
        this.targets.set(entry, `${type}/${entry.plannedId}`);
      } else if ((entry.method === 'PUT' || entry.method === 'PATCH') && id !== undefined && entry.fullUrl?.startsWith('urn:')) {
        this.targets.set(entry, `${type}/${id}`);
      }
    }
  }

  /** The DELETE entries, in Bundle order, with conditional ones resolved. */
  async deletes(): Promise<PlannedEntry[]> {
    const deletes = this.entries.filter((e) => e.method === 'DELETE');
    for (const entry of deletes) {
      for (const id of await this.identitiesOf(entry)) this.claim(`${entry.request.type}/${id}`, entry);
      await this.options.breather.breathe();
    }
    return deletes;
  }

  /** Every other entry, planned: to run once the deletes have. */
  async others(): Promise<PlannedEntry[]> {
    const others = this.entries.filter((e) => e.method !== 'DELETE');
    for (const entry of others) {
      if (entry.method === 'POST' && entry.request.headers.ifNoneExist !== undefined) await this.planConditionalCreate(entry);
      await this.options.breather.breathe();
    }
    // A create writes a new id, or (a conditional create that matched) nothing: it cannot overlap.
    for (const entry of others) {
      if (entry.method === 'PUT' || entry.method === 'PATCH') for (const id of await this.identitiesOf(entry)) this.claim(`${entry.request.type}/${id}`, entry);
      await this.options.breather.breathe();
    }
    const resolved = new Map<string, string>();
    for (const entry of others) {
      if (entry.method === 'GET' || entry.method === 'HEAD') entry.request.query = this.targets.inQuery(entry.request.query);
      if (entry.request.body === undefined) continue;
      const body = rewriteReferences(entry.request.body, (reference) => this.targets.resolve(reference, entry.fullUrl));
      const conditional = await this.resolveConditionalReferences(entry, body, resolved);
      // Copy on write (references.ts): the planned body shares all it does not change with the request's.
      entry.request.body = conditional ? rewriteReferences(body, (reference) => resolved.get(reference)) : body;
      await this.options.breather.breathe();
    }
    return others;
  }

  /** A conditional create: the same criteria as an earlier entry → that entry's resource; one match → it; none → its new id. */
  private async planConditionalCreate(entry: PlannedEntry): Promise<void> {
    const type = entry.request.type as string;
    withEntry(entry, 'request.url', () => assertKnownType(type));
    const header = this.targets.inCriteria(entry.request.headers.ifNoneExist as string);
    entry.request.headers.ifNoneExist = header;
    const criteria = withEntry(entry, 'request.ifNoneExist', () => criteriaFromHeader(type, header));
    const key = `${type}?${criteria.canonical}`;
    const first = this.creates.get(key);
    if (first) {
      entry.sameAs = first.index;
      entry.plannedId = first.plannedId;
    } else {
      this.creates.set(key, entry);
      await this.tx.claimConditionalGuard(type, criteria.canonical);
      const [match] = await this.matchingIds(criteria, 1, entry, 'request.ifNoneExist', 'a conditional create needs none or one');
      if (match !== undefined) entry.plannedId = match;
    }
    this.targets.set(entry, `${type}/${entry.plannedId}`, true);
  }

  /**
   * The ids a PUT, PATCH or DELETE acts on: its URL's id, or what its criteria select now (under their
   * guard). Gives the resource a conditional update will create its id in advance.
   */
  private async identitiesOf(entry: PlannedEntry): Promise<string[]> {
    if (entry.request.id !== undefined) return [entry.request.id];
    const type = entry.request.type as string;
    withEntry(entry, 'request.url', () => assertKnownType(type));
    const source = entry.method === 'DELETE' ? 'conditional delete' : entry.method === 'PATCH' ? 'conditional patch' : 'conditional update';
    entry.request.query = this.targets.inQuery(entry.request.query);
    const criteria = withEntry(entry, 'request.url', () => criteriaFromQuery(type, entry.request.query, source));
    await this.tx.claimConditionalGuard(type, criteria.canonical);
    if (entry.method === 'DELETE') {
      const multiple = this.options.conditionalDeleteMultiple;
      const rule = multiple ? `a conditional delete removes at most ${MAX_CONDITIONAL_DELETE}` : 'this server deletes at most one resource per conditional delete';
      return this.matchingIds(criteria, multiple ? MAX_CONDITIONAL_DELETE : 1, entry, 'request.url', rule);
    }
    let [id] = await this.matchingIds(criteria, 1, entry, 'request.url', `a ${source} needs none or one`);
    const body = entry.request.body as Resource | undefined;
    if (id === undefined && entry.method === 'PUT' && body !== null && typeof body === 'object' && !Array.isArray(body)) {
      id = typeof body.id === 'string' ? body.id : newId();
      entry.request.body = { ...body, id };
    }
    if (id === undefined) return [];
    entry.plannedId = id;
    this.targets.set(entry, `${type}/${id}`);
    return [id];
  }

  /** The ids of the resources matching `criteria`; 412 at the entry's `element` when more than `limit` match. */
  private async matchingIds(criteria: ConditionalCriteria, limit: number, entry: PlannedEntry, element: string, rule: string): Promise<string[]> {
    const page = await this.tx.search(criteria.query, limit + 1);
    const total = page.total ?? page.matches.length;
    if (total > limit) throw atEntry(preconditionFailed(`${total} ${criteria.type} resources match ${criteria.canonical}; ${rule}: make the criteria more selective`), entry, element);
    return page.matches.map((r) => r.id as string);
  }

  /** Refuses a second write to one resource (R4 http.html#trules: overlapping identities fail the transaction). */
  private claim(identity: string, entry: PlannedEntry): void {
    const other = this.identities.get(identity);
    if (other === undefined) {
      this.identities.set(identity, entry);
      return;
    }
    const [a, b] = other.index < entry.index ? [other, entry] : [entry, other];
    const text = `${entryPath(a.index)} (${a.method} ${a.url}) and ${entryPath(b.index)} (${b.method} ${b.url}) both change ${identity}; a transaction may change each resource only once`;
    throw invalid(text, [entryPath(a.index, 'request.url'), entryPath(b.index, 'request.url')]);
  }

  /**
   * Finds the one resource each conditional reference (`Patient?identifier=…`) in `body` matches, into
   * `resolved`; a `urn:uuid:` or `urn:oid:` reference left over names no entry and is refused (400).
   * Returns whether `body` holds any conditional reference.
   */
  private async resolveConditionalReferences(entry: PlannedEntry, body: unknown, resolved: Map<string, string>): Promise<boolean> {
    let found = false;
    for (const { value, path } of findReferences(body)) {
      // A JSON Patch sits base64-encoded in the Binary's data: point there.
      const element = Array.isArray(body) ? 'resource.data' : `resource.${path}`;
      if (/^urn:(uuid|oid):/.test(value)) {
        throw atEntry(invalid(`the reference ${value} is not the fullUrl of any entry of this transaction, so it can never be resolved`), entry, element);
      }
      const m = /^([A-Za-z]+)\?(.*)$/.exec(value);
      if (!m || !isResourceType(m[1])) continue;
      found = true;
      if (resolved.has(value)) continue;
      const [, type, query] = m;
      const criteria = withEntry(entry, element, () => criteriaFromQuery(type, queryParams(query), `conditional reference ${value}`));
      const planned = this.creates.get(`${type}?${criteria.canonical}`)?.plannedId;
      if (planned !== undefined) {
        resolved.set(value, `${type}/${planned}`);
        continue;
      }
      const page = await this.tx.search(criteria.query, 2);
      const total = page.total ?? page.matches.length;
      if (total === 0) throw atEntry(invalid(`the conditional reference ${value} matches no ${type}`), entry, element);
      if (total > 1) throw atEntry(preconditionFailed(`the conditional reference ${value} matches ${total} ${type} resources; it must match exactly one`), entry, element);
      resolved.set(value, `${type}/${page.matches[0].id}`);
    }
    return found;
  }
}

/** Runs `parse`, restating its error at the entry's `element`. */
function withEntry<R>(entry: PlannedEntry, element: string, parse: () => R): R {
  try {
    return parse();
  } catch (err) {
    throw atEntry(err, entry, element);
  }
}
