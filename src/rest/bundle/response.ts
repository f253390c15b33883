/**
 * Bundle.entry.response of a batch-response or transaction-response (R4 bundle.html#Bundle.entry.response,
 * http.html#transaction-response): the same status, Location, ETag and Last-Modified the HTTP edge
 * would send for the entry's interaction (rest/status.ts), the resource or OperationOutcome it answered,
 * and `Prefer: return` honoured as for a single create, update or patch.
 *
 * The resource a create, update or patch stored is not held until the response: it shares its content
 * with the request's entry, so holding it would hold the whole request (a 50 MB import). Its result
 * keeps only the version (`lean`), and the response reads that version back as it is sent
 * (FhirResult.completeEntry), one entry at a time.
 */
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FhirResult } from '../types';
import type { Preferences } from '../../fhir/prefer';
import type { OperationOutcomeError } from '../../fhir/outcome';
import type { Repository } from '../../repository/repository';
import { FAILURE_STATUS, resultMeta, returnedBody, statusText } from '../status';
import type { PreparedEntry } from './entries';

/** Interactions whose answer `Prefer: return` shapes (as on the HTTP edge). */
const HONOURS_RETURN = new Set(['create', 'update', 'patch']);

type Version = NonNullable<FhirResult['version']>;

/** A result as kept once its entry has run: `stored` when its body, the version its write stored, was left out. */
export type RanResult = FhirResult & { stored?: true };

/** `result` without its body when that is the version a create, update or patch stored (read back for the response). */
export function lean(entry: Pick<PreparedEntry, 'interaction'>, result: FhirResult): RanResult {
  if (!HONOURS_RETURN.has(entry.interaction.code) || !isVersion(result.body, result.version)) return result;
  const { body: _stored, ...rest } = result;
  return { ...rest, stored: true };
}

/** Whether `body` is the resource version `version` names (an OperationOutcome answers in response.outcome instead). */
function isVersion(body: Resource | undefined, version: Version | undefined): boolean {
  return body !== undefined && version !== undefined && body.resourceType !== 'OperationOutcome' && body.resourceType === version.type && body.id === version.id && body.meta?.versionId === version.versionId;
}

/** The response entries of a batch or transaction, in Bundle order, and the versions still to be read back into them. */
export class ResponseEntries {
  private readonly entries: BundleEntry[] = [];
  /** By entry index: the stored version whose resource the response entry still lacks. */
  private readonly readBack: Version[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly prefer: Preferences,
  ) {}

  /** The response entry of an entry that succeeded. */
  succeeded(entry: Pick<PreparedEntry, 'index' | 'method' | 'interaction'>, result: RanResult): void {
    const meta = resultMeta(result, this.baseUrl);
    const response: NonNullable<BundleEntry['response']> = { status: statusText(meta.status) };
    if (meta.location) response.location = meta.location;
    if (meta.etag) response.etag = meta.etag;
    if (meta.lastModified) response.lastModified = meta.lastModified;
    const answers = entry.method !== 'HEAD' && result.kind !== 'not-modified';
    const body = !answers ? undefined : HONOURS_RETURN.has(entry.interaction.code) ? returnedBody(result, this.prefer.return) : result.body;
    // Prefer: return=representation (the default) answers the resource a write stored: read back when sent.
    const representation = this.prefer.return !== 'minimal' && this.prefer.return !== 'OperationOutcome';
    if (answers && representation && result.stored && result.version) this.readBack[entry.index] = result.version;
    this.entries[entry.index] = answer(body, response, result.version ? this.baseUrl : undefined);
  }

  /** The response entry of an entry that failed (a batch answers every entry, failed or not). */
  failed(index: number, err: OperationOutcomeError): void {
    this.entries[index] = { response: { status: statusText(FAILURE_STATUS[err.kind]), outcome: err.outcome } };
  }

  /** The batch-response or transaction-response; `repo` reads the stored versions back as it is sent. */
  result(type: 'batch-response' | 'transaction-response', repo: Repository): FhirResult {
    const entry = this.entries;
    const body: Bundle = { resourceType: 'Bundle', type, ...(entry.length ? { entry } : {}) };
    const { readBack, baseUrl } = this;
    if (readBack.length === 0) return { kind: 'ok', body };
    const completeEntry = async (sent: BundleEntry, index: number): Promise<BundleEntry> => {
      const version = readBack[index];
      if (version === undefined) return sent;
      const resource = await repo.writtenVersion(version.type, version.id, version.versionId);
      return answer(resource, sent.response as NonNullable<BundleEntry['response']>, baseUrl);
    };
    return { kind: 'ok', body, completeEntry };
  }
}

/** The entry answering `body` (an OperationOutcome goes into response.outcome); fullUrl when `baseUrl` is given for a resource version. */
function answer(body: Resource | undefined, response: NonNullable<BundleEntry['response']>, baseUrl: string | undefined): BundleEntry {
  if (body?.resourceType === 'OperationOutcome') return { response: { ...response, outcome: body as OperationOutcome } };
  if (body === undefined) return { response };
  const fullUrl = body.id && baseUrl ? `${baseUrl}/${body.resourceType}/${body.id}` : undefined;
  return { ...(fullUrl ? { fullUrl } : {}), resource: body, response };
}
