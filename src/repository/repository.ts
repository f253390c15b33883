/**
 * The FHIR repository: versioned create/read/vread/update/delete over the storage port, written once
 * for every engine (R4 http.html: create, read, vread, update, delete). Every access passes the
 * caller's AccessPolicy; every write is validated and committed together with its history entry.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Collections, Store } from '../storage/port';
import { DuplicateKeyError } from '../storage/port';
import { DocumentLimitError } from '../storage/errors';
import { conflict, fail, gone, notFound, OperationOutcomeError, outcome, preconditionFailed, type Issue } from '../fhir/outcome';
import { newId } from '../fhir/ids';
import { operatorAccess, type AccessPolicy } from './access';
import { currentCollection, historyCollection, historyKey, type CurrentDoc, type HistoryDoc, type HistoryMethod } from './documents';
import { readHistory, type HistoryPage, type HistoryQuery } from './history';
import { searchPage, type SearchPage } from './search';
import { readIncludes } from './includes';
import type { SearchQuery } from '../search/ast';
import { indexResource } from '../search/extract/index';
import { isResourceType } from '../validation/definitions';
import { claimGuard } from './guard';
import { prepareWrite, blobRef, type BinaryDeps, type PreparedWrite } from '../binary/write';
import { attachmentsOf, checkInlineData, verifyLinkedAttachments, type BinaryLookup } from '../binary/attachments';
import { moveBlobRef, type BlobRef } from '../binary/refs';
import { storeContent, type HeldContent } from '../binary/content';
import type { ByteRange } from '../storage/blobs';
import type { Readable } from 'node:stream';
import type { ValidationEnv } from '../validation/validator';
import { validationEnv, type PendingResources } from './validation-env';
import type { Visible, WriteLetter } from '../access/visible';
import { binaryHeldFor } from '../access/binary';
import type { RulesEnv, WriteChange, WritePlan, WriteRules } from './write-rules';

export interface RepositoryDeps {
  /**
   * Validates new content (and $validate's, with the profiles it names); any issue with severity
   * error or fatal rejects a write. `env` looks up conformance and referenced resources through this repository.
   */
  validate: (resource: Resource, env: ValidationEnv, profiles?: readonly string[]) => Issue[] | Promise<Issue[]>;
  /** `Type/id` of resources no client may change (Relay's implementation guide, installed at start). */
  readOnly?: ReadonlySet<string>;
  /**
   * Resources a transaction is about to write, by `Type/id`: validation sees them before they are
   * written (a Task validated before the consult ServiceRequest later in the same Bundle).
   */
  pending?: PendingResources;
  access: AccessPolicy;
  /** The server's base URL: absolute references on it are indexed for search as "Type/id". */
  baseUrl: string;
  /** Binary content and attachment handling (binary/write.ts); without it resources are stored as sent. */
  binary?: BinaryDeps;
  now?: () => Date;
  /** Domain rules run on every write (repository/write-rules.ts): the consult lifecycle. */
  rules?: WriteRules;
}

/** A Binary version and the facts of its content (absent when it has none). */
export interface BinaryVersion {
  resource: Resource;
  blob?: BlobRef;
}

export interface UpdateResult {
  resource: Resource;
  /** True when no current version existed (update-as-create, or re-creation after a delete). */
  created: boolean;
}

export interface DeleteResult {
  /** The version that records the deletion; undefined when there was nothing to delete. */
  versionId?: string;
  lastUpdated?: string;
}

export class Repository {
  constructor(
    private readonly db: Collections,
    private readonly deps: RepositoryDeps,
    /** Set on a top-level repository: each write then runs in its own store transaction. */
    private readonly store?: Store,
  ) {}

  /** This repository, with `pending` visible to validation (see RepositoryDeps.pending). */
  withPending(pending: PendingResources): Repository {
    return new Repository(this.db, { ...this.deps, pending }, this.store);
  }

  /** Runs `work` against a repository whose writes commit together (all or nothing). */
  async transaction<R>(work: (repo: Repository) => Promise<R>): Promise<R> {
    if (!this.store) return work(this);
    return this.store.transaction((tx) => work(new Repository(tx, this.deps)));
  }

  /**
   * Runs `work` in one store transaction with a repository that writes as the server, without the
   * write rules: for Relay's own scheduled steps (the consult escalation), never with a caller's content.
   */
  async runAsServer<R>(work: (repo: Repository) => Promise<R>): Promise<R> {
    return this.write(async (db) => work(this.asServer(db)));
  }

  /**
   * Claims the guard of conditional criteria (repository/guard.ts) in this transaction, so that
   * concurrent conditional writes with the same criteria take effect one after the other.
   */
  async claimConditionalGuard(type: string, canonicalCriteria: string): Promise<void> {
    if (this.store) throw fail('internal', 'exception', 'a conditional-write guard can only be claimed inside repo.transaction()');
    await claimGuard(this.db, type, canonicalCriteria, this.now());
  }

  /**
   * True when transaction() is all-or-nothing (not on a standalone MongoDB server). Inside a
   * transaction this repository's writes are already part of one, so it is true there too.
   */
  get transactional(): boolean {
    return this.store ? this.store.transactional : true;
  }

  /** Whether `transaction` may run its work more than once (storage/port.ts). */
  get rerunsTransactions(): boolean {
    return this.store ? this.store.rerunsTransactions : false;
  }

  /**
   * create: the server assigns id, versionId 1 and lastUpdated; a client id in the body is ignored.
   * `options.id` is an id the server chose beforehand (a transaction pre-assigns the ids of its
   * creates so that its entries can reference each other). `options.content` is a Binary's content,
   * already uploaded (a raw upload); it is released when the write ends.
   */
  async create<T extends Resource>(resource: T, options: { id?: string; content?: HeldContent } = {}): Promise<T> {
    const id = options.id ?? newId();
    let plan: WritePlan | undefined;
    let content = { ...resource, id } as T;
    try {
      plan = await this.planOrExplain({ after: content });
      content = (plan?.resource as T | undefined) ?? content;
      await this.check(content, 'c');
    } catch (err) {
      options.content?.release();
      throw err;
    }
    const prepared = await this.prepare(content, options.content);
    try {
      return await this.write(async (db) => {
        const stored = (await this.insertNew(db, await this.settle(db, prepared), prepared.blob)) as T;
        await plan?.afterStore?.(stored, this.asServer(db));
        return stored;
      });
    } finally {
      prepared.release();
    }
  }

  /** A Binary's current version (or version `versionId`) with its content facts; 404/410 as read and vread. */
  async readBinary(id: string, versionId?: string): Promise<BinaryVersion> {
    const resource = versionId === undefined ? await this.read('Binary', id) : await this.vread('Binary', id, versionId);
    const n = Number(resource.meta?.versionId);
    const doc = await this.db.collection<HistoryDoc>(historyCollection('Binary')).findOne({ _id: historyKey(id, n) });
    return { resource, blob: doc?.blob };
  }

  /**
   * Streams a raw upload into the blob store (sniffed against `contentType`, limited to
   * RELAY_MAX_UPLOAD); pass the result to create/update as `content`, which release it.
   */
  async receiveContent(source: Readable, contentType: string): Promise<HeldContent> {
    const binary = this.deps.binary;
    if (!binary) throw fail('not-implemented', 'not-supported', 'this server stores no Binary content');
    return storeContent(binary.blobs, source, { contentType, maxBytes: binary.maxUploadBytes, expression: 'Binary.contentType' });
  }

  /**
   * The bytes of a Binary's content (or a range of them), streamed from the blob store. `of` names the
   * version for messages; an earlier version's content is gone once the retention has passed (410).
   */
  async openContent(blob: BlobRef, range?: ByteRange, of?: { reference: string; earlier: boolean }): Promise<Readable> {
    const stream = this.deps.binary ? await this.deps.binary.blobs.get(blob.sha256, range) : null;
    if (stream) return stream;
    const what = of?.reference ?? `content ${blob.sha256}`;
    if (of?.earlier) throw gone(`the content of ${what} is no longer stored: it was removed after RELAY_BLOB_RETENTION once no current Binary used it`);
    throw fail('internal', 'exception', `the content of ${what} is missing from the blob store`);
  }

  /** read: the current version; 404 when it never existed, 410 when deleted. */
  async read<T extends Resource>(type: string, id: string): Promise<T> {
    this.assertReadableType(type);
    const doc = await this.db.collection<CurrentDoc>(currentCollection(type)).findOne({ _id: id });
    if (!doc) throw notFound(`${type}/${id} is not known`);
    if (doc.deleted || !doc.resource) throw gone(`${type}/${id} was deleted (version ${doc.versionId} at ${doc.lastUpdated})`);
    return (await this.reveal(doc.resource)) as T;
  }

  /** vread: one version; 404 when that version never existed, 410 when it records a deletion. */
  async vread<T extends Resource>(type: string, id: string, versionId: string): Promise<T> {
    this.assertReadableType(type);
    const n = /^[1-9]\d{0,15}$/.test(versionId) ? Number(versionId) : NaN;
    const doc = Number.isNaN(n) ? null : await this.db.collection<HistoryDoc>(historyCollection(type)).findOne({ _id: historyKey(id, n) });
    if (!doc) throw notFound(`${type}/${id} has no version ${versionId}`);
    if (!doc.resource) throw gone(`version ${versionId} of ${type}/${id} records its deletion`);
    return (await this.reveal(doc.resource)) as T;
  }

  /**
   * Version `versionId` of `type/id` as the write that stored it answered it: create, update and patch
   * answer the stored version without a read check, so this reads it without one. A batch or
   * transaction-response reads its writes' resources back with it as it is sent, rather than holding
   * them all (rest/bundle/response.ts); only for versions this caller's own writes have answered.
   */
  async writtenVersion(type: string, id: string, versionId: string): Promise<Resource> {
    const doc = await this.db.collection<HistoryDoc>(historyCollection(type)).findOne({ _id: historyKey(id, Number(versionId)) });
    if (!doc?.resource) throw new Error(`version ${versionId} of ${type}/${id}, written by this request, is not in the store`);
    return doc.resource;
  }

  /**
   * update: replaces the current version (or creates the resource with the client's id). With
   * `ifMatch`, the current version must be that one (412 otherwise). Content identical to the current
   * version apart from meta.versionId/lastUpdated makes no new version.
   */
  async update<T extends Resource>(resource: T, options: { ifMatch?: string; content?: HeldContent } = {}): Promise<UpdateResult & { resource: T }> {
    let plan: WritePlan | undefined;
    let basis: number | undefined;
    let content: T;
    try {
      const current = await this.db.collection<CurrentDoc>(currentCollection(resource.resourceType)).findOne({ _id: resource.id as string });
      basis = current?.versionId;
      plan = await this.planOrExplain({ before: current?.resource ?? undefined, after: resource });
      content = (plan?.resource as T | undefined) ?? resource;
      await this.check(content, 'u');
    } catch (err) {
      options.content?.release();
      throw err;
    }
    const prepared = await this.prepare(content, options.content);
    try {
      return await this.replace(prepared, options.ifMatch, plan, basis);
    } finally {
      prepared.release();
    }
  }

  private async replace<T extends Resource>(prepared: PreparedWrite, ifMatch: string | undefined, plan?: WritePlan, basis?: number): Promise<UpdateResult & { resource: T }> {
    const type = prepared.resource.resourceType;
    const id = prepared.resource.id as string;
    return this.write(async (db) => {
      const resource = await this.settle(db, prepared);
      const current = await db.collection<CurrentDoc>(currentCollection(type)).findOne({ _id: id });
      if (plan && current?.versionId !== basis) throw conflict(`${type}/${id} was changed by another request at the same moment; retry`);
      if (ifMatch !== undefined && (!current || String(current.versionId) !== ifMatch || current.deleted)) {
        const actual = current ? (current.deleted ? `deleted at version ${current.versionId}` : `at version ${current.versionId}`) : 'not present';
        throw preconditionFailed(`If-Match names version ${ifMatch} of ${type}/${id}, but the resource is ${actual}`);
      }
      if (current && !current.deleted && current.resource) {
        if (!this.deps.access.canWrite(current.resource) || !(await this.mayWrite(current.resource, 'current', db, 'u'))) throw forbidden(type, id);
        if (sameContent(current.resource, resource) && current.blob?.sha256 === prepared.blob?.sha256) return { resource: this.visible(current.resource) as T, created: false };
      }
      const versionId = current ? current.versionId + 1 : 1;
      const stored = this.stamp(resource, versionId);
      const collection = db.collection<CurrentDoc>(currentCollection(type));
      const live = current && !current.deleted ? current.blob : undefined;
      await moveBlobRef(db, live, prepared.blob, this.now());
      if (current) {
        const { matchedCount } = await collection.replaceOne({ _id: id, versionId: current.versionId }, this.currentDoc(stored, versionId, prepared.blob));
        if (matchedCount === 0) throw conflict(`${type}/${id} was changed by another request at the same moment; retry`);
        await this.endPreviousVersion(db, type, id, current.versionId, stored);
      } else {
        await collection.insertOne(this.currentDoc(stored, versionId, prepared.blob));
      }
      await this.appendHistory(db, type, id, versionId, stored, 'PUT', undefined, prepared.blob);
      await plan?.afterStore?.(stored, this.asServer(db));
      return { resource: stored as T, created: !current || current.deleted };
    });
  }

  /** delete: records a deletion version; deleting what is absent or already deleted changes nothing. */
  async delete(type: string, id: string): Promise<DeleteResult> {
    this.assertWritable(type, id);
    const existing = await this.db.collection<CurrentDoc>(currentCollection(type)).findOne({ _id: id });
    const plan = existing?.resource ? await this.plan({ before: existing.resource }) : undefined;
    return this.write(async (db) => {
      const collection = db.collection<CurrentDoc>(currentCollection(type));
      const current = await collection.findOne({ _id: id });
      if (!current || current.deleted || !current.resource) return {};
      if (plan && current.versionId !== existing?.versionId) throw conflict(`${type}/${id} was changed by another request at the same moment; retry`);
      if (!this.deps.access.canWrite(current.resource) || !(await this.mayWrite(current.resource, 'current', db, 'd'))) throw forbidden(type, id);
      const versionId = current.versionId + 1;
      const now = this.now();
      const doc: CurrentDoc = { _id: id, versionId, lastUpdated: now.toISOString(), lastUpdatedMs: now.getTime(), deleted: true, resource: null };
      const { matchedCount } = await collection.replaceOne({ _id: id, versionId: current.versionId }, doc);
      if (matchedCount === 0) throw conflict(`${type}/${id} was changed by another request at the same moment; retry`);
      await this.endPreviousVersion(db, type, id, current.versionId, null, now);
      await this.appendHistory(db, type, id, versionId, null, 'DELETE', now);
      await moveBlobRef(db, current.blob, undefined, now);
      await plan?.afterStore?.(undefined, this.asServer(db));
      return { versionId: String(versionId), lastUpdated: doc.lastUpdated };
    });
  }

  /** history at instance, type or system level, newest first, with keyset paging. */
  async history(query: HistoryQuery): Promise<HistoryPage> {
    if (query.type) this.assertReadableType(query.type);
    const scope = await this.scope();
    if (scope && query.type && query.id !== undefined) {
      // Instance history of a resource the caller may not see: 403, as its read would answer.
      const current = await this.db.collection<CurrentDoc>(currentCollection(query.type)).findOne({ _id: query.id });
      if (current?.resource && !current.deleted) await this.reveal(current.resource, scope);
    }
    // Restricted callers: only versions of resources currently visible (their ids, through the compiled filter).
    const visibleIds = scope
      ? async (type: string) => {
          const filter = scope.filter(type);
          if (!filter) return undefined;
          const docs = await this.db.collection<CurrentDoc>(currentCollection(type)).find({ $and: [{ deleted: false }, filter] }, { projection: { _id: 1 } });
          return docs.map((d) => d._id);
        }
      : undefined;
    const page = await readHistory(this.db, query, (type) => this.deps.access.canReadType(type), visibleIds);
    page.entries = page.entries.filter((e) => !e.resource || (this.deps.access.canRead(e.resource) && (!scope || scope.contains(e.resource))));
    return page;
  }

  /** One page of a search: the matches, and the resources `_include`/`_revinclude` bring in. */
  async search(query: SearchQuery, count: number): Promise<SearchPage & { included: Resource[] }> {
    if (query.resourceType) this.assertReadableType(query.resourceType);
    const { access, baseUrl } = this.deps;
    // Only real resource types: not `Patient_history`, nor the conditional-write guards (`_conditional`).
    const allTypes = async () => (await this.db.listCollections()).filter((n) => isResourceType(n));
    const visible = await this.scope();
    const page = await searchPage(this.db, query, { baseUrl, count, access, allTypes, visible });
    const included = query.include.length || query.revinclude.length ? await readIncludes(this.db, page.matches, query.include, query.revinclude, { baseUrl, access, visible }) : [];
    return { ...page, included };
  }

  /** Stores the content a write carries before its transaction (binary/write.ts). */
  private async prepare(resource: Resource, content: HeldContent | undefined): Promise<PreparedWrite> {
    try {
      return await prepareWrite(resource, this.deps.binary, content);
    } catch (err) {
      content?.release();
      throw err;
    }
  }

  /** Inside the write: creates the Binaries of extracted attachment data and checks linked attachments. */
  private async settle(db: Collections, prepared: PreparedWrite): Promise<Resource> {
    for (const p of prepared.pending) await this.insertNew(db, { resourceType: 'Binary', id: p.id, contentType: p.contentType }, blobRef(p.content));
    if (!this.deps.binary) return prepared.resource;
    return verifyLinkedAttachments(prepared.resource, this.deps.baseUrl, binaryFacts(db));
  }

  /** The attachment checks a write runs (stated size and hash of inline data, linked Binaries), as issues: for $validate. */
  async attachmentIssues(resource: Resource): Promise<Issue[]> {
    if (!this.deps.binary) return [];
    try {
      for (const { attachment, path } of attachmentsOf(resource)) checkInlineData(attachment, path);
      await verifyLinkedAttachments(resource, this.deps.baseUrl, binaryFacts(this.db));
      return [];
    } catch (err) {
      if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
      throw err;
    }
  }

  /** Inserts version 1 of a new resource (and its history entry, and its content reference). */
  private async insertNew(db: Collections, resource: Resource, blob: BlobRef | undefined): Promise<Resource> {
    const stored = this.stamp(resource, 1);
    await db.collection<CurrentDoc>(currentCollection(stored.resourceType)).insertOne(this.currentDoc(stored, 1, blob));
    await this.appendHistory(db, stored.resourceType, stored.id as string, 1, stored, 'POST', undefined, blob);
    await moveBlobRef(db, undefined, blob, this.now());
    return stored;
  }

  private async write<R>(work: (db: Collections) => Promise<R>): Promise<R> {
    try {
      if (this.store) return await this.store.transaction(work);
      return await work(this.db);
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw conflict(`a concurrent request wrote the same resource (${err.key}); retry`);
      if (err instanceof DocumentLimitError) {
        const text = err.limit === 'depth' ? 'the resource nests objects and arrays too deeply to store' : 'the resource is too large to store';
        throw fail(err.limit === 'depth' ? 'invalid' : 'too-large', 'too-costly', `${text} (${err.message})`);
      }
      throw err;
    }
  }

  /** Every issue of `resource` against base R4 and the profiles that apply (plus `profiles`), without writing. */
  async validate(resource: Resource, profiles?: readonly string[]): Promise<Issue[]> {
    // Validation reads as the server, not as the caller: a caller's scopes must not hide the profile,
    // Questionnaire or consult ServiceRequest that decide which rules apply.
    const asServer = new Repository(this.db, { ...this.deps, access: operatorAccess }, this.store);
    return this.deps.validate(resource, validationEnv(asServer, this.deps.baseUrl, this.deps.pending), profiles);
  }

  /** Asks the write rules about one write (repository/write-rules.ts); undefined when none apply. */
  private async plan(change: WriteChange): Promise<WritePlan | undefined> {
    const rules = this.deps.rules;
    if (!rules) return undefined;
    const server = new Repository(this.db, { ...this.deps, access: operatorAccess, rules: undefined }, this.store);
    const { resolve } = validationEnv(server, this.deps.baseUrl, this.deps.pending);
    const env: RulesEnv = { access: this.deps.access, server, resolve, baseUrl: this.deps.baseUrl, now: this.now() };
    return rules.plan(change, env);
  }

  /**
   * plan(), but when the rules refuse a write (409, 403) whose content is itself invalid or not the
   * caller's to write, that answer (400 with every issue, or 403) comes first: it is what the client
   * must fix first. A 422 of the rules (e.g. the consult submission check) is about other resources
   * and stands.
   */
  private async planOrExplain(change: WriteChange & { after: Resource }): Promise<WritePlan | undefined> {
    try {
      return await this.plan(change);
    } catch (err) {
      if (!(err instanceof OperationOutcomeError) || err.kind !== 'unprocessable') await this.check(change.after, change.before ? 'u' : 'c');
      throw err;
    }
  }

  /** A repository writing as the server inside the transaction `db`, without the write rules (their follow-up work). */
  private asServer(db: Collections): Repository {
    return new Repository(db, { ...this.deps, access: operatorAccess, rules: undefined });
  }

  /** Refuses changes to read-only resources (403), the resource type's guard. */
  assertWritable(type: string, id: string | undefined): void {
    if (id !== undefined && this.deps.readOnly?.has(`${type}/${id}`)) {
      throw fail('forbidden', 'forbidden', `${type}/${id} belongs to Relay's implementation guide (profiles/) and is read-only; change its FSH source and rebuild instead`);
    }
  }

  /** Validates new content and asks the access policy; throws 400 with every issue when invalid. */
  private async check(resource: Resource, letter: WriteLetter): Promise<void> {
    this.assertWritable(resource.resourceType, resource.id);
    const issues = await this.validate(resource);
    if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) {
      throw new OperationOutcomeError('invalid', outcome(issues));
    }
    if (!this.deps.access.canWrite(resource) || !(await this.mayWrite(resource, 'new', this.db, letter))) throw forbidden(resource.resourceType, resource.id ?? '');
  }

  /** The instances the caller may see (access/visible.ts), resolved through this repository's collections; undefined: all. */
  private async scope(db: Collections = this.db): Promise<Visible | undefined> {
    const restriction = this.deps.access.restriction;
    return restriction ? restriction.resolve(db, this.deps.baseUrl) : undefined;
  }

  private async mayWrite(resource: Resource, state: 'new' | 'current', db: Collections = this.db, letter?: WriteLetter): Promise<boolean> {
    const scope = await this.scope(db);
    return !scope || scope.mayWrite(resource, state, letter);
  }

  /**
   * The resource, when the caller may see it: 404 when its type is hidden from the caller's scopes,
   * 403 (forbidden, without any content) when it lies outside the caller's compartment or consults;
   * a Binary is visible when a resource the caller sees links it (access/binary.ts).
   */
  private async reveal(resource: Resource, known?: Visible): Promise<Resource> {
    const access = this.deps.access;
    const visible = this.visible(resource);
    const scope = known ?? (await this.scope());
    if (!scope || scope.contains(visible)) return visible;
    if (visible.resourceType === 'Binary' && (await binaryHeldFor(this.db, visible.id as string, scope, (r) => access.canRead(r), this.deps.baseUrl))) return visible;
    const how = visible.resourceType === 'Binary' ? 'no resource it may see links this Binary' : `it lies outside ${scope.describe}`;
    throw fail('forbidden', 'forbidden', `${visible.resourceType}/${visible.id} may not be read by ${access.actor.display}: ${how}`);
  }

  /** Sets the server-owned meta.versionId and meta.lastUpdated. */
  private stamp<T extends Resource>(resource: T, versionId: number): T {
    const meta = { ...resource.meta, versionId: String(versionId), lastUpdated: this.now().toISOString() };
    return { ...resource, meta };
  }

  private currentDoc(resource: Resource, versionId: number, blob?: BlobRef): CurrentDoc {
    const lastUpdated = resource.meta?.lastUpdated as string;
    const { sp, sort } = indexResource(resource, { baseUrl: this.deps.baseUrl });
    const doc: CurrentDoc = { _id: resource.id as string, versionId, lastUpdated, lastUpdatedMs: Date.parse(lastUpdated), deleted: false, resource, sp, sort };
    if (blob) doc.blob = blob;
    return doc;
  }

  private async appendHistory(db: Collections, type: string, id: string, versionId: number, resource: Resource | null, method: HistoryMethod, at?: Date, blob?: BlobRef) {
    const lastUpdated = resource?.meta?.lastUpdated ?? (at ?? this.now()).toISOString();
    const doc: HistoryDoc = { _id: historyKey(id, versionId), type, id, versionId, lastUpdated, lastUpdatedMs: Date.parse(lastUpdated), endedMs: null, method, resource };
    if (blob) doc.blob = blob;
    await db.collection<HistoryDoc>(historyCollection(type)).insertOne(doc);
  }

  private async endPreviousVersion(db: Collections, type: string, id: string, versionId: number, next: Resource | null, at?: Date) {
    const history = db.collection<HistoryDoc>(historyCollection(type));
    const previous = await history.findOne({ _id: historyKey(id, versionId) });
    if (!previous) return;
    const endedMs = next?.meta?.lastUpdated ? Date.parse(next.meta.lastUpdated) : (at ?? this.now()).getTime();
    await history.replaceOne({ _id: previous._id }, { ...previous, endedMs });
  }

  private visible(resource: Resource): Resource {
    if (!this.deps.access.canRead(resource)) throw notFound(`${resource.resourceType}/${resource.id} is not known`);
    return resource;
  }

  private assertReadableType(type: string): void {
    if (!this.deps.access.canReadType(type)) throw fail('not-found', 'forbidden', `resources of type ${type} are not visible to ${this.deps.access.actor.display}`);
  }

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }
}

/** SHA-1 (base64) of no bytes: the hash of a Binary without content. */
const EMPTY_SHA1 = '2jmj7l5rSw0yVb/vlWAYkK/YBwk=';

/** Size and SHA-1 of current Binaries, read through `db` (binary/attachments.ts BinaryLookup). */
function binaryFacts(db: Collections): BinaryLookup {
  return async (id) => {
    const doc = await db.collection<CurrentDoc>(currentCollection('Binary')).findOne({ _id: id });
    if (!doc || doc.deleted) return null;
    return doc.blob ?? { size: 0, sha1: EMPTY_SHA1 };
  };
}

/** 403: the write would touch a resource outside what the caller may change (its scopes, compartment or consults). */
function forbidden(type: string, id: string): OperationOutcomeError {
  const what = id ? `${type}/${id}` : `this ${type}`;
  return fail('forbidden', 'forbidden', `${what} may not be written by this caller: it lies outside what the token may change (its patient compartment or consults; README "Security")`);
}

/** Same content apart from the server-owned meta.versionId and meta.lastUpdated. */
function sameContent(a: Resource, b: Resource): boolean {
  return canonical(a) === canonical(b);
}

function canonical(resource: Resource): string {
  const { meta, ...rest } = resource;
  const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta ?? {};
  return stableStringify(Object.keys(otherMeta).length ? { ...rest, meta: otherMeta } : rest);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
