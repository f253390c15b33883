/**
 * The transport-neutral request and result of one FHIR interaction. http/ builds a FhirRequest from
 * an Express request and turns a FhirResult into exactly one HTTP response.
 */
import type { Readable } from 'node:stream';
import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import type { ByteRange } from '../storage/blobs';
import type { Config } from '../config';
import type { Repository } from '../repository/repository';
import type { AccessPolicy } from '../repository/access';

/** Who is asking and with what: built once per request, passed to every handler. */
export interface RequestContext {
  requestId: string;
  /** Public base URL of the FHIR API, without a trailing slash. */
  baseUrl: string;
  access: AccessPolicy;
  /** The only way to storage: every read and write passes the access policy. */
  repo: Repository;
  config: Config;
  /** The server's clock (AppDeps.clock): every time a handler records or compares comes from it. */
  now: () => Date;
}

export interface FhirRequest {
  method: string;
  /** Route parameters: resource type, logical id, version id. */
  type?: string;
  id?: string;
  versionId?: string;
  /** Query parameters; repeated parameters keep every value in order. */
  query: Record<string, string[]>;
  /**
   * A create's id chosen by the server beforehand: a transaction pre-assigns the ids of its creates
   * so that its entries can reference each other (R4 http.html#trules). Never set from HTTP.
   */
  assignedId?: string;
  /** The parsed JSON body, if any. */
  body?: unknown;
  /** The body's media type, lowercased, without parameters (`application/json-patch+json`); PATCH chooses JSON Patch or FHIRPath Patch by it. */
  contentType?: string;
  /** Parameters of an application/x-www-form-urlencoded body (POST _search). */
  form?: Record<string, string[]>;
  /** A raw Binary upload (R4 http.html#binary): the body as a stream, never read whole. */
  upload?: Upload;
  headers: {
    ifMatch?: string;
    ifNoneMatch?: string;
    ifModifiedSince?: string;
    prefer?: string;
    /** Conditional create (R4 http.html#ccreate): search parameters that must match nothing. */
    ifNoneExist?: string;
    /** Accept, Range and If-Range: a Binary read answers raw content or the resource, whole or a range. */
    accept?: string;
    range?: string;
    ifRange?: string;
  };
}

/** A request body streamed as it arrives. */
export interface Upload {
  content: Readable;
  /** The Content-Type as sent, parameters kept (it becomes Binary.contentType). */
  contentType: string;
  /** The declared Content-Length (absent for a chunked body). */
  length?: number;
}

/** Raw content to send instead of a resource: a Binary read as its own media type. */
export interface ContentAnswer {
  contentType: string;
  /** Size of the whole content. */
  size: number;
  /** The part sent (206), when a Range asked for one. */
  range?: ByteRange;
  /** Opens the bytes to send (the whole content, or `range`). */
  open(): Promise<Readable>;
}

export type ResultKind = 'ok' | 'created' | 'not-modified' | 'partial-content' | 'range-not-satisfiable';

export interface FhirResult {
  kind: ResultKind;
  body?: Resource;
  /** Set when the body is a resource version: drives ETag, Last-Modified and Location. */
  version?: { type: string; id: string; versionId: string; lastUpdated: string };
  /** Send Location for `version` even though nothing was created (conditional create that matched). */
  location?: boolean;
  /** What `Prefer: return=OperationOutcome` says instead of the default "created/updated Type/id version n". */
  message?: string;
  /** Raw content instead of `body` (kinds ok and partial-content). */
  content?: ContentAnswer;
  /** The size of content whose requested range cannot be served (kind range-not-satisfiable), sent in Content-Range. */
  unsatisfiedSize?: number;
  /**
   * For a Bundle `body`: completes each of its entries just before it is sent, in order (a batch or
   * transaction-response reads the resources its writes stored back one at a time, rather than
   * holding all of them until the response: rest/bundle/response.ts).
   */
  completeEntry?: (entry: BundleEntry, index: number) => Promise<BundleEntry>;
}

export type Handler = (ctx: RequestContext, req: FhirRequest) => Promise<FhirResult>;
