/**
 * The transport-neutral request and result of one FHIR interaction. http/ builds a FhirRequest from
 * an Express request and turns a FhirResult into exactly one HTTP response.
 */
import type { Resource } from '@medplum/fhirtypes';
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
  headers: {
    ifMatch?: string;
    ifNoneMatch?: string;
    ifModifiedSince?: string;
    prefer?: string;
    /** Conditional create (R4 http.html#ccreate): search parameters that must match nothing. */
    ifNoneExist?: string;
  };
}

export type ResultKind = 'ok' | 'created' | 'not-modified';

export interface FhirResult {
  kind: ResultKind;
  body?: Resource;
  /** Set when the body is a resource version: drives ETag, Last-Modified and Location. */
  version?: { type: string; id: string; versionId: string; lastUpdated: string };
  /** Send Location for `version` even though nothing was created (conditional create that matched). */
  location?: boolean;
  /** What `Prefer: return=OperationOutcome` says instead of the default "created/updated Type/id version n". */
  message?: string;
}

export type Handler = (ctx: RequestContext, req: FhirRequest) => Promise<FhirResult>;
