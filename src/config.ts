/**
 * Relay's configuration: one typed schema. Each setting has an environment variable, a default and a
 * line of documentation (the README's configuration table is checked against this list by a test).
 * main.ts is the only caller that passes process.env; everything else receives a Config.
 */
import { DEFAULT_RULES_FILE, loadConsultRules, type ConsultRules } from './consult/rules';
import { isIP } from 'node:net';
import path from 'node:path';
import { readIssuersFile, type TrustedIssuer } from './auth/issuers-file';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  mongodbUri: string | undefined;
  baseUrl: string;
  maxBodyBytes: number;
  pageSizeDefault: number;
  pageSizeMax: number;
  journalCompactBytes: number;
  conditionalDeleteMultiple: boolean;
  strictProfiles: boolean;
  bundleMaxEntries: number;
  maxUploadBytes: number;
  binaryInlineMaxBytes: number;
  attachmentInlineMaxBytes: number;
  blobRetentionMs: number;
  blobSweepMs: number;
  /** Key file of the keys Binary content is encrypted with at rest; undefined: `<dataDir>/blob-keys.json` (embedded). */
  blobKeyFile: string | undefined;
  /** Due hours per priority and each specialty's submission requirements (src/consult/rules.ts). */
  consultRules: ConsultRules;
  /** Milliseconds between escalation runs over overdue consults (src/consult/escalation.ts); 0: only on $escalate. */
  escalationIntervalMs: number;
  /** `open`: no tokens (loopback HOST only); `smart`: SMART on FHIR bearer tokens on every FHIR request. */
  auth: 'open' | 'smart';
  /** External issuers whose tokens are accepted besides Relay's own. */
  authIssuers: TrustedIssuer[];
  authTokenTtlMs: number;
  authClockSkewMs: number;
  /** user/ scopes: a practitioner's organisations' consults are theirs too (src/access/consults.ts). */
  accessOrganisationRule: boolean;
  /** Web origins allowed to call the API from a browser (CORS), normalised; ['*']: any (smart only). */
  corsOrigins: string[];
  /** Requests per minute per client (token bucket); 0: no limit. */
  rateLimit: number;
  /** AuditEvents pending in the audit writer at which new requests wait for it (backpressure; src/audit/writer.ts). */
  auditQueueMax: number;
}

/** A bad setting: main.ts prints the message (which names the variable) and exits non-zero. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Raw = Record<string, string | undefined>;

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  default: string;
  doc: string;
  parse: (value: string, variable: string, raw: Raw) => Config[K];
}

function integer(min: number, max: number) {
  return (value: string, variable: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new ConfigError(variable, `"${value}" is not a whole number`);
    const n = Number(value.trim());
    if (n < min || n > max) throw new ConfigError(variable, `${n} is outside ${min}..${max}`);
    return n;
  };
}

function byteSize(value: string, variable: string): number {
  const m = /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!m) throw new ConfigError(variable, `"${value}" is not a size (examples: 1048576, 512kb, 16mb, 2gb)`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  const n = Number(m[1]) * unit;
  if (n < 1024) throw new ConfigError(variable, `${n} bytes is below the minimum of 1kb`);
  return n;
}

/** A duration: milliseconds, or a number with s, m, h or d. */
function duration(value: string, variable: string): number {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)?\s*$/i.exec(value);
  if (!m) throw new ConfigError(variable, `"${value}" is not a duration (examples: 60000, 30s, 15m, 24h, 7d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms').toLowerCase() as 'ms'];
  return Number(m[1]) * unit;
}

function boolean(value: string, variable: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(variable, `"${value}" is not a boolean (true or false)`);
}

function host(value: string, variable: string): string {
  const v = value.trim();
  const hostname = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;
  if (!isIP(v) && !hostname.test(v)) throw new ConfigError(variable, `"${value}" is not an IP address or host name`);
  return v;
}

function mongoUri(value: string, variable: string): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (!/^mongodb(\+srv)?:\/\/[^/]+/.test(v)) {
    throw new ConfigError(variable, `"${value}" is not a MongoDB connection string (mongodb://host:port/db or mongodb+srv://...)`);
  }
  return v;
}

function baseUrl(value: string, variable: string, raw: Raw): string {
  const h = raw.HOST?.trim() || '127.0.0.1';
  const v = value.trim() || `http://${isIP(h) === 6 ? `[${h}]` : h}:${raw.PORT?.trim() || '8080'}/fhir`;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(variable, `"${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(variable, `"${value}" must be an http or https URL`);
  if (url.search || url.hash) throw new ConfigError(variable, `"${value}" must not have a query or fragment`);
  return v.replace(/\/+$/, '');
}

function authMode(value: string, variable: string): Config['auth'] {
  const v = value.trim().toLowerCase();
  if (v !== 'open' && v !== 'smart') throw new ConfigError(variable, `"${value}" is not an auth mode (open or smart)`);
  return v;
}

function issuersFile(value: string, variable: string): TrustedIssuer[] {
  if (!value.trim()) return [];
  try {
    return readIssuersFile(path.resolve(value.trim()));
  } catch (err) {
    throw new ConfigError(variable, (err as Error).message);
  }
}

function boundedDuration(minMs: number, maxMs: number) {
  return (value: string, variable: string): number => {
    const ms = duration(value, variable);
    if (ms < minMs || ms > maxMs) throw new ConfigError(variable, `${ms} ms is outside ${minMs}..${maxMs} ms`);
    return ms;
  };
}

/** RELAY_CORS_ORIGINS: comma-separated scheme://host[:port] origins, or * alone. */
function corsOrigins(value: string, variable: string): string[] {
  const items = value.split(',').map((v) => v.trim()).filter(Boolean);
  if (items.includes('*')) {
    if (items.length > 1) throw new ConfigError(variable, '* must stand alone');
    return ['*'];
  }
  return items.map((item) => {
    const url = URL.canParse(item) ? new URL(item) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      throw new ConfigError(variable, `"${item}" is not an origin (scheme://host[:port], no path)`);
    }
    return url.origin;
  });
}

/** RELAY_RATE_LIMIT: a whole number; empty means 1200 with RELAY_AUTH=smart and 0 (off) with open. */
function rateLimit(value: string, variable: string, raw: Raw): number {
  if (value.trim() === '') return (raw.RELAY_AUTH ?? '').trim().toLowerCase() === 'smart' ? 1200 : 0;
  return integer(0, 1_000_000)(value, variable);
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts an `open` server may bind to. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The schema, in the order the README lists it. */
export const SETTINGS: readonly Setting<keyof Config>[] = [
  { key: 'port', env: 'PORT', default: '8080', doc: 'TCP port the HTTP server listens on (0 picks a free port).', parse: integer(0, 65535) },
  { key: 'host', env: 'HOST', default: '127.0.0.1', doc: 'Address the HTTP server binds to.', parse: host },
  {
    key: 'dataDir',
    env: 'RELAY_DATA_DIR',
    default: './data',
    doc: 'Directory of the embedded store (journal, snapshot, lock, Binary content in blobs/). Unused when MONGODB_URI is set.',
    parse: (v, variable) => {
      if (!v.trim()) throw new ConfigError(variable, 'must not be empty');
      return path.resolve(v.trim());
    },
  },
  {
    key: 'mongodbUri',
    env: 'MONGODB_URI',
    default: '',
    doc: 'MongoDB connection string. Unset: the embedded engine. Set: MongoDB (a replica set for atomic transactions).',
    parse: mongoUri,
  },
  {
    key: 'baseUrl',
    env: 'RELAY_BASE_URL',
    default: '',
    doc: 'Public base URL of the FHIR API, used in Location headers, fullUrls and paging links. Default http://HOST:PORT/fhir.',
    parse: baseUrl,
  },
  { key: 'maxBodyBytes', env: 'RELAY_MAX_BODY', default: '16mb', doc: 'Largest accepted request body (bytes, or with kb/mb/gb); larger gets 413.', parse: byteSize },
  { key: 'pageSizeDefault', env: 'RELAY_PAGE_SIZE', default: '20', doc: 'Entries per page when the client gives no _count.', parse: integer(1, 10000) },
  { key: 'pageSizeMax', env: 'RELAY_PAGE_SIZE_MAX', default: '1000', doc: 'Largest _count honoured; larger requests are capped.', parse: integer(1, 10000) },
  {
    key: 'journalCompactBytes',
    env: 'RELAY_JOURNAL_COMPACT',
    default: '64mb',
    doc: 'Embedded engine: journal size that triggers a snapshot and a fresh journal, bounding start-up replay.',
    parse: byteSize,
  },
  {
    key: 'conditionalDeleteMultiple',
    env: 'RELAY_CONDITIONAL_DELETE_MULTIPLE',
    default: 'false',
    doc: 'Conditional delete (DELETE [type]?criteria) may delete every match, up to 100, in one transaction. false: more than one match gets 412.',
    parse: boolean,
  },
  {
    key: 'strictProfiles',
    env: 'RELAY_STRICT_PROFILES',
    default: 'false',
    doc: 'A profile in meta.profile that the server does not know rejects the write (error). false: it is reported as a warning and the resource is checked against base R4 and the profiles it knows.',
    parse: boolean,
  },
  {
    key: 'bundleMaxEntries',
    env: 'RELAY_BUNDLE_MAX_ENTRIES',
    default: '10000',
    doc: 'Most entries a batch or transaction Bundle may have; more gets 413.',
    parse: integer(1, 1_000_000),
  },
  {
    key: 'maxUploadBytes',
    env: 'RELAY_MAX_UPLOAD',
    default: '2gb',
    doc: 'Largest Binary content (raw upload or base64 data); larger gets 413, before the body is read when its length is declared.',
    parse: byteSize,
  },
  {
    key: 'binaryInlineMaxBytes',
    env: 'RELAY_BINARY_INLINE_MAX',
    default: '1mb',
    doc: 'A Binary read as FHIR JSON carries its content as base64 data only up to this size.',
    parse: byteSize,
  },
  {
    key: 'attachmentInlineMaxBytes',
    env: 'RELAY_ATTACHMENT_INLINE_MAX',
    default: '256kb',
    doc: 'Inline Attachment.data larger than this (decoded) in Media, DocumentReference or DiagnosticReport is moved into a Binary.',
    parse: byteSize,
  },
  {
    key: 'blobRetentionMs',
    env: 'RELAY_BLOB_RETENTION',
    default: '7d',
    doc: 'How long Binary content that no current Binary references any more is kept (ms, or with s/m/h/d).',
    parse: duration,
  },
  {
    key: 'blobSweepMs',
    env: 'RELAY_BLOB_SWEEP',
    default: '1h',
    doc: 'How often unreferenced Binary content is looked for and removed (ms, or with s/m/h/d).',
    parse: (value, variable) => {
      const ms = duration(value, variable);
      if (ms < 10) throw new ConfigError(variable, `${ms} ms is below the minimum of 10 ms`);
      return ms;
    },
  },
  {
    key: 'blobKeyFile',
    env: 'RELAY_BLOB_KEY_FILE',
    default: '',
    doc: 'Path of the JSON key file Binary content is encrypted with at rest (AES-256-GCM): { "current": "<id>", "keys": { "<id>": "<base64 of 32 bytes>" } }; make one with npm run blob-key -- new <file>. Empty: the embedded engine creates <RELAY_DATA_DIR>/blob-keys.json on first start; with MongoDB, content is stored unencrypted.',
    parse: (value) => (value.trim() ? path.resolve(value.trim()) : undefined),
  },
  {
    key: 'consultRules',
    env: 'RELAY_CONSULT_RULES',
    default: '',
    doc: 'Path of the consult rules file (JSON): due hours per priority and, per specialty, the intake Questionnaire and the minimum media a submission needs (README "Consult workflow"). Empty: src/consult/default-rules.json.',
    parse: (value) => loadConsultRules(value.trim() ? path.resolve(value.trim()) : DEFAULT_RULES_FILE),
  },
  {
    key: 'escalationIntervalMs',
    env: 'RELAY_ESCALATION_INTERVAL',
    default: '60000',
    doc: 'Milliseconds between runs of the consult escalation (overdue consults not yet accepted are reassigned, every overdue consult is marked overdue). 0: only when an administrator calls POST /fhir/Task/$escalate.',
    parse: integer(0, 86_400_000),
  },
  {
    key: 'auth',
    env: 'RELAY_AUTH',
    default: 'open',
    doc: 'open: no access tokens, allowed only when HOST is a loopback address. smart: every FHIR request except metadata and SMART discovery needs a Bearer access token (see Security).',
    parse: authMode,
  },
  {
    key: 'authIssuers',
    env: 'RELAY_AUTH_ISSUERS',
    default: '',
    doc: 'Path of a JSON file listing trusted external token issuers: [{ "issuer": "...", "jwksUri": "https://..." } or { "issuer": "...", "jwksFile": "path" }]. Empty: only Relay\'s own issuer.',
    parse: issuersFile,
  },
  { key: 'authTokenTtlMs', env: 'RELAY_AUTH_TOKEN_TTL', default: '5m', doc: 'Lifetime of the access tokens Relay issues (ms, or with s/m/h).', parse: boundedDuration(10_000, 86_400_000) },
  { key: 'authClockSkewMs', env: 'RELAY_AUTH_CLOCK_SKEW', default: '30s', doc: 'Clock skew tolerated when checking exp, nbf and iat of tokens and client assertions.', parse: boundedDuration(0, 300_000) },
  {
    key: 'accessOrganisationRule',
    env: 'RELAY_ACCESS_ORGANISATION_RULE',
    default: 'false',
    doc: "user/ scopes of a practitioner: true also grants the consults that the Organization of one of their PractitionerRoles (or any PractitionerRole of it) requested, performs or owns (see Security).",
    parse: boolean,
  },
  {
    key: 'corsOrigins',
    env: 'RELAY_CORS_ORIGINS',
    default: '',
    doc: 'Comma-separated web origins (https://app.example.org) whose pages may call the API from a browser (CORS); requests from other origins are refused with 403. *: any origin, only with RELAY_AUTH=smart. Empty: none.',
    parse: corsOrigins,
  },
  {
    key: 'rateLimit',
    env: 'RELAY_RATE_LIMIT',
    default: '',
    doc: 'Requests per minute per client (the token\'s client, else the remote address; /auth per address), with bursts up to that number; more gets 429 with Retry-After. 0: no limit. Empty: 1200 with RELAY_AUTH=smart, 0 with open.',
    parse: rateLimit,
  },
  {
    key: 'auditQueueMax',
    env: 'RELAY_AUDIT_QUEUE_MAX',
    default: '10000',
    doc: 'AuditEvents waiting to be written at which new requests are held until the audit writer has stored enough of them (backpressure; no event is dropped).',
    parse: integer(1, 10_000_000),
  },
];

/** Reads every setting from `raw` (normally process.env); throws ConfigError naming the first bad one. */
export function loadConfig(raw: Raw): Config {
  const out: Partial<Record<keyof Config, unknown>> = {};
  for (const s of SETTINGS) {
    const value = raw[s.env] ?? s.default;
    out[s.key] = s.parse(value, s.env, raw);
  }
  const config = out as Config;
  if (config.pageSizeDefault > config.pageSizeMax) {
    throw new ConfigError('RELAY_PAGE_SIZE', `${config.pageSizeDefault} is larger than RELAY_PAGE_SIZE_MAX (${config.pageSizeMax})`);
  }
  if (config.auth === 'open' && config.corsOrigins.includes('*')) {
    throw new ConfigError('RELAY_CORS_ORIGINS', '* (any web origin) is refused with RELAY_AUTH=open: every web page the operator opens could read and write the data; list the origins, or set RELAY_AUTH=smart');
  }
  if (config.auth === 'open' && !isLoopback(config.host)) {
    throw new ConfigError('RELAY_AUTH', `open (no access tokens) is refused on HOST ${config.host}, which is not a loopback address; set RELAY_AUTH=smart, or HOST=127.0.0.1`);
  }
  return config;
}
