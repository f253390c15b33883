/**
 * Builds one AuditEvent per request, shaped after IHE BALP (Basic Audit Log Patterns,
 * https://profiles.ihe.net/ITI/BALP/) on R4 AuditEvent (https://hl7.org/fhir/R4/auditevent.html):
 * type `rest` with the restful-interaction as subtype, action, outcome, the caller and the server as
 * agents, the server as source, and as entities the resource touched (or the query), the patient
 * and the request id (BALP's `XrequestId` transaction entity).
 */
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import { actionOf, outcomeOf, type Classified } from './classify';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const BALP_ENTITY = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';

export const REST_TYPE: Coding = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' };
/** The token endpoint: DICOM "User Authentication" / "Login" (as BALP and the ATNA profile audit a login). */
const AUTH_TYPE: Coding = { system: DCM, code: '110114', display: 'User Authentication' };
const LOGIN: Coding = { system: DCM, code: '110122', display: 'Login' };
const INTERACTION = 'http://hl7.org/fhir/restful-interaction';

/** Who called: the access policy's actor, and what its token says. */
export interface AuditCaller {
  /** `Type/id` (a fhirUser, or `Device/<client id>`), or a word such as "anonymous". */
  reference: string;
  display: string;
  clientId?: string;
  /** The access token's jti (BALP: agent.policy). */
  tokenId?: string;
}

/** Everything known about one finished request. */
export interface AuditFacts {
  /** `fhir` for the FHIR API, `token` for POST /auth/token. */
  endpoint: 'fhir' | 'token';
  method: string;
  /** The path requested, without the query. */
  path: string;
  what: Classified;
  /** The query string (without `?`), or a POST _search form, for query entities. */
  query?: string;
  status: number;
  /** The OperationOutcome (or OAuth error) text of a failure. */
  outcomeText?: string;
  start: Date;
  end: Date;
  requestId?: string;
  caller: AuditCaller;
  /** The caller's network address. */
  address?: string;
  /** `Type/id` or `Type/id/_history/v` of resources read or written. */
  touched: string[];
  /** `Patient/id` of the patients concerned. */
  patients: string[];
  /** A batch's entries that failed: the event's outcome is the worst of the batch and its entries. */
  failedEntries?: FailedEntry[];
  baseUrl: string;
}

/** One entry of a batch that failed: its index, status and OperationOutcome text. */
export interface FailedEntry {
  index: number;
  status: number;
  text?: string;
}

/** The AuditEvent recording `facts` (not yet chained: the writer adds sequence and hash). */
export function auditEvent(facts: AuditFacts): AuditEvent {
  const { what } = facts;
  const token = facts.endpoint === 'token';
  // A path no interaction serves has no restful-interaction code: its subtype only says what was asked.
  const asked: Coding = { display: `${facts.method} ${facts.path}`.slice(0, 200) };
  const subtype: Coding[] = token ? [LOGIN] : [what.code === 'unknown' ? asked : { system: INTERACTION, code: what.code }];
  if (what.operation) subtype.push({ code: `$${what.operation}`, display: `operation $${what.operation}` });
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    type: token ? AUTH_TYPE : REST_TYPE,
    subtype,
    action: token ? 'E' : actionOf(what.code),
    period: { start: facts.start.toISOString(), end: facts.end.toISOString() },
    recorded: facts.end.toISOString(),
    outcome: outcomeOf((facts.failedEntries ?? []).reduce((worst, f) => Math.max(worst, f.status), facts.status)),
    agent: [callerAgent(facts), serverAgent(facts.baseUrl)],
    source: {
      site: facts.baseUrl,
      observer: { display: 'Relay FHIR server', identifier: { system: 'urn:ietf:rfc:3986', value: facts.baseUrl } },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: entities(facts),
  };
  const desc = outcomeDescription(facts);
  if (desc) event.outcomeDesc = desc.slice(0, 1000);
  return event;
}

/** The status and OperationOutcome text of a failure; for a batch, also each failed entry's ("200; 403 Bundle.entry[2] ..."). */
function outcomeDescription(facts: AuditFacts): string | undefined {
  const entries = (facts.failedEntries ?? []).map((f) => `${f.status} ${f.text ?? `Bundle.entry[${f.index}]`}`);
  if (facts.status < 400 && entries.length === 0) return undefined;
  return [`${facts.status} ${facts.status >= 400 ? (facts.outcomeText ?? '') : ''}`.trim(), ...entries].join('; ');
}

function callerAgent(facts: AuditFacts): AuditEventAgent {
  const { caller } = facts;
  const agent: AuditEventAgent = {
    type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
    who: /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(caller.reference) ? { reference: caller.reference, display: caller.display } : { display: caller.display },
    requestor: true,
  };
  if (caller.clientId) agent.altId = caller.clientId;
  if (caller.tokenId) agent.policy = [caller.tokenId];
  if (facts.address) agent.network = { address: facts.address, type: '2' };
  return agent;
}

function serverAgent(baseUrl: string): AuditEventAgent {
  return {
    type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
    who: { display: 'Relay FHIR server', identifier: { system: 'urn:ietf:rfc:3986', value: baseUrl } },
    requestor: false,
    network: { address: baseUrl, type: '5' },
  };
}

function entities(facts: AuditFacts): AuditEventEntity[] {
  const out: AuditEventEntity[] = [];
  const system = { system: ENTITY_TYPE, code: '2', display: 'System Object' };
  for (const reference of facts.touched) {
    out.push({ what: { reference }, type: system, role: { system: ROLE, code: '4', display: 'Domain Resource' } });
  }
  if (facts.query !== undefined && /^(search|history)-(type|system)$/.test(facts.what.code)) {
    const scope = facts.what.type ?? '';
    out.push({
      type: system,
      role: { system: ROLE, code: '24', display: 'Query' },
      description: `${scope}?${facts.query}`.slice(0, 2000),
      query: Buffer.from(facts.query, 'utf8').toString('base64'),
    });
  }
  for (const patient of facts.patients) {
    out.push({ what: { reference: patient }, type: { system: ENTITY_TYPE, code: '1', display: 'Person' }, role: { system: ROLE, code: '1', display: 'Patient' } });
  }
  if (facts.requestId) out.push({ what: { identifier: { value: facts.requestId } }, type: { system: BALP_ENTITY, code: 'XrequestId', display: 'X-Request-Id' } });
  return out;
}
