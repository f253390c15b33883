/**
 * Property-based fuzzing of the HTTP API with fast-check (seeded; FUZZ_SEED replays a run): mutated
 * and random bodies, odd ids and paths, and odd headers. Whatever is sent, the server never answers
 * 5xx, every error is an OperationOutcome, a rejected write changes nothing, and whatever it accepts
 * reads back as sent and passes base R4 validation.
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import type { Resource } from '@medplum/fhirtypes';
import { buildTypeName, tryGetDataType } from '@medplum/core';
import { startTestApp, TEST_BASE_URL, type TestApp } from './helpers/test-app';
import { validateBase } from '../src/validation/validate';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_250_601;
/** Small body limit, so that huge strings also exercise the 413 path cheaply. */
const MAX_BODY = 256 * 1024;
const RUNS = { mutated: 4000, randomBodies: 2500, paths: 2000, headers: 2000, deep: 150 };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------
// Seeds: small valid resources of the kinds a consult is made of.

const SEEDS: JsonObject[] = [
  {
    resourceType: 'Patient',
    id: 'seed',
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/Patient'], tag: [{ system: 'http://example.org/tags', code: 'fuzz' }] },
    identifier: [{ system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }],
    active: true,
    name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }],
    telecom: [{ system: 'phone', value: '(03) 5555 6473', use: 'work', rank: 1 }],
    gender: 'male',
    birthDate: '1974-12-25',
    _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1974-12-25T14:35:45-05:00' }] },
    address: [{ use: 'home', line: ['534 Erewhon St'], city: 'PleasantVille', postalCode: '3999', period: { start: '1974-12-25' } }],
  },
  {
    resourceType: 'Observation',
    id: 'seed',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
    subject: { reference: 'Patient/example' },
    effectiveDateTime: '2024-03-01T10:30:00+01:00',
    valueQuantity: { value: 72.5, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    note: [{ text: 'resting' }],
  },
  {
    resourceType: 'ServiceRequest',
    id: 'seed',
    status: 'active',
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '11429006', display: 'Consultation' }], text: 'Dermatology e-consult' },
    subject: { reference: 'Patient/example', display: 'Peter Chalmers' },
    requester: { reference: 'Practitioner/example' },
    authoredOn: '2024-03-01T09:00:00Z',
    reasonCode: [{ text: 'changing mole on left forearm' }],
    supportingInfo: [{ reference: 'Media/example' }],
  },
  {
    resourceType: 'Media',
    id: 'seed',
    status: 'completed',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image' }] },
    subject: { reference: 'Patient/example' },
    createdDateTime: '2024-03-01T09:05:00Z',
    content: { contentType: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', title: 'lesion.png' },
    height: 1,
    width: 1,
  },
];

const TYPES = ['Patient', 'Observation', 'ServiceRequest', 'Media', 'Task', 'Bundle', 'Binary', 'DiagnosticReport', 'QuestionnaireResponse'];

// ---------------------------------------------------------------------------------------------
// Arbitraries.

// R4 ids, less "." and "..", which Relay refuses because URLs read them as dot-segments.
const validId = fc.stringMatching(/^[A-Za-z0-9\-.]{1,64}$/).filter((id) => id !== '.' && id !== '..');
const oddId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '.', '..', 'a/b', 'a?b', 'a#b', 'a%b', 'a b', 'x'.repeat(65), 'x'.repeat(300), '_history', 'metadata', '$everything', 'ünïcødé', '😀', 'a\u0000b', 'a\nb', 'null', '-'),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 80 }),
);
const anyId = fc.oneof({ weight: 3, arbitrary: validId }, { weight: 2, arbitrary: oddId });

/**
 * Large values are generated as small markers and expanded only when the body is built, so that
 * fast-check can print (and shrink) a counterexample that holds them.
 */
type Marker = { $fuzz: 'deep'; depth: number; array: boolean } | { $fuzz: 'huge'; length: number };

function materialize(v: Json): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || typeof v.$fuzz !== 'string') return v;
  const m = v as unknown as Marker;
  if (m.$fuzz === 'huge') return 'x'.repeat(m.length);
  let out: Json = 'bottom';
  for (let i = 0; i < m.depth; i++) out = m.array ? [out] : { a: out };
  return out;
}

const specialValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: fc.constantFrom<Json>(null, '', ' ', 0, -0.0, 1e308, -1, 1.5, true, false, [], {}, [null], [''], '  padded  ', 'true', '2024-13-45', 'Patient/', '#', 'urn:uuid:') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 1000, max: 20_000 }), fc.integer({ min: 300_000, max: 400_000 })).map((length): Json => ({ $fuzz: 'huge', length })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2, max: 3000 }), fc.boolean()).map(([depth, array]): Json => ({ $fuzz: 'deep', depth, array })) },
  { weight: 1, arbitrary: fc.constantFrom<Json>('Patient', 'Observation', 'Resource', 'DomainResource', 'patient', 'OperationOutcome') },
);

const fieldName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('extension', 'modifierExtension', 'id', 'meta', 'text', 'contained', 'resourceType', 'implicitRules', 'language',
    '_birthDate', '_status', '_id', 'valueString', 'value[x]', 'deceased[x]', 'fhir_comments', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '$where', 'a.b', '', ' ', 'status', 'subject', 'code'),
  fc.string({ maxLength: 12 }),
);

type MutationOp = 'delete' | 'replace' | 'add' | 'wrap' | 'unwrap' | 'retype' | 'id' | 'resourceType';
interface Mutation {
  op: MutationOp;
  at: number;
  key: string;
  value: Json;
  id: string;
  type: string;
}
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<MutationOp>('delete', 'replace', 'replace', 'add', 'add', 'wrap', 'unwrap', 'retype', 'id', 'resourceType'),
  at: fc.nat(),
  key: fieldName,
  value: specialValue,
  id: anyId,
  type: fc.constantFrom('Patient', 'Observation', 'ServiceRequest', 'Media', 'Resource', '', 'patient', 'Bundle'),
});

/** Sets an own property, even `__proto__`, as JSON.parse would. */
function put(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every (container, key) location below the root, depth-first. */
function locations(root: Json): Array<[Record<string, Json> | Json[], string | number]> {
  const out: Array<[Record<string, Json> | Json[], string | number]> = [];
  const walk = (node: Json, depth: number) => {
    if (depth > 20 || node === null || typeof node !== 'object') return;
    const entries: Array<[string | number, Json]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [k, v] of entries) {
      out.push([node, k]);
      walk(v, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

function retype(v: Json): Json {
  if (typeof v === 'string') return Number.isNaN(Number(v)) ? 42 : Number(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (v && typeof v === 'object') return JSON.stringify(v);
  return 'null';
}

function applyMutation(root: JsonObject, generated: Mutation): void {
  const m = { ...generated, value: materialize(generated.value) };
  if (m.op === 'id') return void (root.id = m.id);
  if (m.op === 'resourceType') return void (root.resourceType = m.type);
  const locs = locations(root);
  if (locs.length === 0) return void put(root, m.key, m.value);
  const [container, key] = locs[m.at % locs.length];
  const get = (): Json => (container as Record<string, Json>)[key as string];
  const set = (v: Json) => (Array.isArray(container) ? (container[key as number] = v) : put(container, key as string, v));
  switch (m.op) {
    case 'delete':
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key as string];
      return;
    case 'replace':
      return void set(m.value);
    case 'add': {
      const target = get();
      if (Array.isArray(target)) target.push(m.value);
      else if (target && typeof target === 'object') put(target, m.key, m.value);
      else put(root, m.key, m.value);
      return;
    }
    case 'wrap':
      return void set([get()]);
    case 'unwrap': {
      const v = get();
      return void set(Array.isArray(v) ? (v[0] ?? {}) : v);
    }
    case 'retype':
      return void set(retype(get()));
  }
}

interface Headers {
  [name: string]: string;
}
const printable = (max: number) => fc.string({ unit: 'grapheme-ascii', maxLength: max }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/fhir+json', 'application/json', 'application/fhir+json; charset=utf-8', 'application/json+fhir', 'application/fhir+json; fhirVersion=4.0') },
  { weight: 2, arbitrary: fc.constantFrom('application/fhir+xml', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ';;', 'application/json; charset=latin1', 'application/json; charset=utf-16', '*/*', 'json') },
  { weight: 1, arbitrary: printable(40) },
);
const headerSet: fc.Arbitrary<Headers> = fc
  .record(
    {
      'Content-Type': contentType,
      Accept: fc.oneof(fc.constantFrom('application/fhir+json', '*/*', 'application/json', 'application/xml', 'text/html', 'application/fhir+json;q=0', 'application/json;q=abc', 'application/*', ',,,'), printable(30)),
      'If-Match': fc.oneof(fc.constantFrom('W/"1"', '"1"', '1', '*', 'W/', 'W/""', '"', 'W/"abc"', 'W/"99999999999999999999"', ''), printable(30)),
      'If-None-Match': fc.oneof(fc.constantFrom('*', 'W/"1"', 'garbage', ''), printable(20)),
      'If-Modified-Since': fc.oneof(fc.constantFrom('Tue, 01 Jan 2030 00:00:00 GMT', 'yesterday', '0', ''), printable(20)),
      Prefer: fc.oneof(fc.constantFrom('return=minimal', 'return=representation', 'return=OperationOutcome', 'handling=strict', 'return=', '=;=,', 'respond-async'), printable(30)),
      'X-Request-Id': printable(140),
      'Content-Encoding': fc.constantFrom('identity', 'gzip', 'deflate', 'br', 'compress', 'gzip, gzip', 'garbage'),
    },
    { requiredKeys: [] },
  );
const formatValue = fc.oneof(fc.constantFrom('json', 'application/fhir+json', 'application/json', 'xml', 'text/html', 'html', '', 'JSON', 'application/fhir+json;q=1'), printable(20));

/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD first). */
function encodeSegment(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The checks every response must pass.

interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body?: string | Buffer;
}

function describeRequest(s: Sent): string {
  const body = s.body === undefined ? '' : Buffer.isBuffer(s.body) ? `<${s.body.length} bytes>` : s.body.length > 400 ? `${s.body.slice(0, 400)}... (${s.body.length} chars)` : s.body;
  return `${s.method} ${s.url.slice(0, 300)}\nheaders ${JSON.stringify(s.headers)}\nbody ${body}`;
}

class FuzzFailure extends Error {}

function failWith(t: TestApp, s: Sent, res: Response, why: string): never {
  const logged = t.logged.splice(0).map((e) => JSON.stringify(e).slice(0, 1500)).join('\n');
  throw new FuzzFailure(`${why}\n--- request\n${describeRequest(s)}\n--- response ${res.status}\n${res.text?.slice(0, 1000)}${logged ? `\n--- server log\n${logged}` : ''}`);
}

/** The parts of a response the checks look at; the body is kept as text whatever its Content-Type. */
interface Response {
  status: number;
  headers: Record<string, string>;
  text: string;
}

async function send(t: TestApp, s: Sent): Promise<Response> {
  const method = s.method.toLowerCase() as 'get' | 'put' | 'post' | 'delete' | 'patch' | 'options';
  let req = t.request[method](s.url);
  for (const [name, value] of Object.entries(s.headers)) req = req.set(name, value);
  req = req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
  });
  const res = await (s.body === undefined ? req : req.send(s.body));
  return { status: res.status, headers: res.headers as Record<string, string>, text: typeof res.body === 'string' ? res.body : '' };
}

/** Never 5xx; an error is an OperationOutcome with at least one issue of proper shape. */
function checkResponse(t: TestApp, s: Sent, res: Response): void {
  if (res.status >= 500) failWith(t, s, res, `server error ${res.status}`);
  if (res.status < 400) return;
  let body: { resourceType?: unknown; issue?: unknown };
  try {
    body = JSON.parse(res.text);
  } catch {
    failWith(t, s, res, 'error response is not JSON');
  }
  if (body.resourceType !== 'OperationOutcome' || !Array.isArray(body.issue) || body.issue.length === 0) failWith(t, s, res, 'error response is not an OperationOutcome with issues');
  for (const i of body.issue as Array<{ severity?: unknown; code?: unknown; details?: { text?: unknown } }>) {
    if (!['fatal', 'error', 'warning', 'information'].includes(String(i.severity)) || typeof i.code !== 'string' || typeof i.details?.text !== 'string') {
      failWith(t, s, res, 'OperationOutcome issue lacks severity, code or details.text');
    }
  }
  if (!/^application\/(fhir\+)?json/.test(String(res.headers['content-type']))) failWith(t, s, res, 'error response is not served as JSON');
}

/** Total documents in every collection but the audit trail (every request adds an AuditEvent): a rejected request must leave it unchanged. */
async function storeSize(t: TestApp): Promise<number> {
  let n = 0;
  const audit = ['AuditEvent', 'AuditEvent_history', '_audit'];
  for (const name of await t.store.listCollections()) if (!audit.includes(name)) n += await t.store.collection(name).countDocuments({});
  return n;
}

function withoutServerMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = resource;
  if (!meta || typeof meta !== 'object') return rest;
  const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta as Record<string, unknown>;
  return Object.keys(otherMeta).length ? { ...rest, meta: otherMeta } : rest;
}

/**
 * Sends a write and checks the outcome: a 4xx changed nothing (store size, and the target id reads
 * as before); a 2xx stored exactly what was sent, readable and valid.
 */
async function checkedWrite(t: TestApp, s: Sent, intended: unknown): Promise<Response> {
  const path = s.url.split('?')[0];
  // The resource a PUT or DELETE aims at (only for /fhir/[type]/[id]): it must read the same after a rejection.
  const target = (s.method === 'PUT' || s.method === 'DELETE') && /^\/fhir\/[^/]+\/[^/]+$/.test(path) ? path : undefined;
  const before = target ? await t.request.get(target) : undefined;
  const sizeBefore = await storeSize(t);
  const res = await send(t, s);
  checkResponse(t, s, res);
  if (res.status >= 400) {
    if ((await storeSize(t)) !== sizeBefore) failWith(t, s, res, 'a rejected request changed the store');
    if (target && before) {
      const after = await t.request.get(target);
      if (after.status !== before.status || (after.status === 200 && !sameJson(after.body, before.body))) {
        failWith(t, s, res, `a rejected request changed ${target}: ${before.status} → ${after.status} ${after.text.slice(0, 300)}`);
      }
    }
    return res;
  }
  if (s.method !== 'PUT' && s.method !== 'POST') return res;
  if (res.status !== 200 && res.status !== 201) failWith(t, s, res, 'a write answered neither 200/201 nor an error');
  const location = String(res.headers.location ?? '');
  let url: string;
  if (s.method === 'POST') {
    const m = new RegExp(`^${TEST_BASE_URL.replace(/[.]/g, '\\.')}/([A-Za-z]+)/([A-Za-z0-9\\-.]{1,64})/_history/1$`).exec(location);
    if (res.status !== 201 || !m) failWith(t, s, res, `create answered ${res.status} with Location "${location}"`);
    url = `/fhir/${m[1]}/${m[2]}`;
  } else {
    url = target as string;
  }
  const get = await t.request.get(url);
  if (get.status !== 200) failWith(t, s, res, `accepted resource is not readable at ${url}: ${get.status} ${get.text.slice(0, 300)}`);
  const stored = get.body as Resource & Record<string, unknown>;
  const expected = { ...(intended as Record<string, unknown>), ...(s.method === 'POST' ? { id: stored.id } : {}) };
  if (!sameJson(withoutServerMeta(stored), withoutServerMeta(expected))) {
    failWith(t, s, res, `accepted resource reads back different from what was sent:\n${JSON.stringify(stored).slice(0, 1500)}`);
  }
  const badName = badPropertyName(stored);
  if (badName !== undefined) failWith(t, s, res, `accepted resource has a property no FHIR element can have: ${JSON.stringify(badName)}`);
  const misplaced = misplacedValue(stored);
  if (misplaced !== undefined) failWith(t, s, res, `accepted resource has a value of the wrong JSON type at ${misplaced}`);
  const errors = validateBase(stored).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length) failWith(t, s, res, `accepted resource fails base validation: ${JSON.stringify(errors).slice(0, 1500)}`);
  return res;
}

/**
 * An oracle independent of the server's validator: every property name in FHIR JSON is an element
 * name (letters and digits, starting with a letter; `_` prefixes a primitive's extensions).
 */
function badPropertyName(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) stack.push(...v);
    else
      for (const [k, child] of Object.entries(v)) {
        if (!/^_?[A-Za-z][A-Za-z0-9]*$/.test(k)) return k;
        stack.push(child);
      }
  }
  return undefined;
}

/**
 * A second oracle independent of the server's validator: guided by the R4 type schemas, every value
 * where a primitive type is expected is a JSON string, number or boolean, and every value where a
 * complex type is expected is an object. Returns the path of the first value that is not.
 */
function misplacedValue(resource: unknown): string | undefined {
  const stack: Array<{ value: Record<string, unknown>; type: string; path: string }> = [];
  if (resource && typeof resource === 'object' && !Array.isArray(resource)) {
    stack.push({ value: resource as Record<string, unknown>, type: String((resource as { resourceType?: unknown }).resourceType), path: '' });
  }
  while (stack.length) {
    const { value, type, path } = stack.pop() as (typeof stack)[number];
    const schema = tryGetDataType(type);
    if (!schema) continue;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'resourceType') continue;
      const name = key.startsWith('_') ? key.slice(1) : key;
      const [elementKey, code] = elementType(schema.elements, name);
      if (!elementKey || !code) continue;
      for (const item of Array.isArray(v) ? v : [v]) {
        const at = `${path}${path ? '.' : type + '.'}${key}`;
        if (item === null) continue;
        if (key.startsWith('_')) {
          if (typeof item !== 'object' || Array.isArray(item)) return at;
          continue;
        }
        const primitive = /^[a-z]/.test(code) || code.startsWith('http://hl7.org/fhirpath/System.');
        if (primitive !== (typeof item !== 'object') || Array.isArray(item)) return at;
        if (primitive) continue;
        const element = schema.elements[elementKey];
        const next = code === 'BackboneElement' || code === 'Element' ? buildTypeName(element.path.split('.')) : code === 'Resource' ? String((item as { resourceType?: unknown }).resourceType) : code;
        stack.push({ value: item as Record<string, unknown>, type: next, path: at });
      }
    }
  }
  return undefined;
}

/** The schema key and type code of a property name, resolving choice types (valueString → value[x], string). */
function elementType(elements: Record<string, { type: Array<{ code: string }> }>, name: string): [string | undefined, string | undefined] {
  const direct = elements[name];
  if (direct && Object.prototype.hasOwnProperty.call(elements, name)) return [name, direct.type.length === 1 ? direct.type[0].code : undefined];
  for (const key of Object.keys(elements)) {
    if (!key.endsWith('[x]') || !name.startsWith(key.slice(0, -3))) continue;
    const suffix = name.slice(key.length - 3);
    const t = elements[key].type.find((x) => x.code.charAt(0).toUpperCase() + x.code.slice(1) === suffix);
    if (t) return [key, t.code];
  }
  return [undefined, undefined];
}

/** Deep equality of two JSON values, without recursion (bodies may be nested thousands deep). */
function sameJson(a: unknown, b: unknown): boolean {
  const stack: Array<[unknown, unknown]> = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop() as [unknown, unknown];
    if (x === y) continue;
    if (!x || !y || typeof x !== 'object' || typeof y !== 'object' || Array.isArray(x) !== Array.isArray(y)) return false;
    const kx = Object.keys(x);
    if (kx.length !== Object.keys(y).length) return false;
    for (const k of kx) {
      if (!Object.prototype.hasOwnProperty.call(y, k)) return false;
      stack.push([(x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]]);
    }
  }
  return true;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

// ---------------------------------------------------------------------------------------------

describe('fuzzing the FHIR API', () => {
  let t: TestApp;
  const counts = { requests: 0, accepted: 0, rejected: 0 };
  const statuses = new Map<number, number>();
  const tally = (res: Response) => {
    counts.requests++;
    if (res.status < 300) counts.accepted++;
    else counts.rejected++;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  };
  const params = (runs: number) => ({ numRuns: runs, seed: SEED, endOnFailure: false, interruptAfterTimeLimit: 240_000 });

  beforeAll(async () => {
    t = await startTestApp({ maxBodyBytes: MAX_BODY });
    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  }, 60_000);

  afterAll(async () => {
    console.log(`fuzz: ${counts.requests} generated requests, ${counts.accepted} accepted, ${counts.rejected} rejected; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    await t?.close();
  });

  test('mutated resources: never 5xx, rejected writes change nothing, accepted ones read back valid', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.array(mutation, { minLength: 0, maxLength: 4 }),
        fc.constantFrom('PUT', 'PUT', 'POST'),
        fc.oneof({ weight: 4, arbitrary: validId }, { weight: 1, arbitrary: oddId }),
        fc.boolean(),
        async (seedIndex, mutations, method, id, urlTypeFromBody) => {
          const body = clone(SEEDS[seedIndex]);
          body.id = id;
          for (const m of mutations) applyMutation(body, m);
          const type = urlTypeFromBody && body.resourceType ? urlId(body.resourceType, String(SEEDS[seedIndex].resourceType)) : String(SEEDS[seedIndex].resourceType);
          const url = method === 'POST' ? `/fhir/${encodeSegment(type)}` : `/fhir/${encodeSegment(type)}/${encodeSegment(urlId(body.id, id))}`;
          const text = JSON.stringify(body);
          const s: Sent = { method, url, headers: { 'Content-Type': 'application/fhir+json' }, body: text };
          tally(await checkedWrite(t, s, JSON.parse(text)));
        },
      ),
      params(RUNS.mutated),
    );
  }, 300_000);

  test('random JSON, broken JSON and random bytes as bodies: never 5xx and nothing stored', async () => {
    const bodyArb: fc.Arbitrary<{ body: string | Buffer; parsed?: unknown }> = fc.oneof(
      fc.jsonValue().map((v) => ({ body: JSON.stringify(v) ?? 'null', parsed: v })),
      fc.uint8Array({ maxLength: 2000 }).map((bytes) => ({ body: Buffer.from(bytes) })),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ body: s })),
      fc.tuple(fc.nat({ max: SEEDS.length - 1 }), fc.nat()).map(([i, cut]) => {
        const text = JSON.stringify(SEEDS[i]);
        return { body: text.slice(0, cut % text.length) };
      }),
      fc.constantFrom({ body: '' }, { body: 'null' }, { body: '[]' }, { body: '{}' }, { body: '\uFEFF{}' }, { body: '{"resourceType":"Patient","id":"x"}{}' }, { body: '{"resourceType":"Patient","id":"x","id":"y"}' }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('PUT', 'POST'), fc.constantFrom(...TYPES), validId, bodyArb, async (method, type, id, { body }) => {
        const url = method === 'POST' ? `/fhir/${type}` : `/fhir/${type}/${id}`;
        const s: Sent = { method, url, headers: { 'Content-Type': 'application/fhir+json' }, body };
        let intended: unknown;
        try {
          intended = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : body);
        } catch {
          intended = undefined;
        }
        tally(await checkedWrite(t, s, intended));
      }),
      params(RUNS.randomBodies),
    );
  }, 300_000);

  test('odd ids, types, paths and query parameters in the URL: never 5xx, errors are OperationOutcomes', async () => {
    const segment = fc.oneof(
      { weight: 3, arbitrary: anyId.map(encodeSegment) },
      // Raw (not re-encoded) text from the characters a request target may carry, including broken %-escapes.
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9%._~-]{1,20}$/) },
      { weight: 1, arbitrary: fc.constantFrom('%', '%G1', '%E0%A4%A', '%C0%AF', '%FF', '%00', '%2e%2e', '%2F', '..', '.') },
    );
    const type = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TYPES) }, { weight: 1, arbitrary: segment });
    const path = fc.oneof(
      fc.tuple(type, segment).map(([ty, id]) => `${ty}/${id}`),
      fc.tuple(type, segment).map(([ty, id]) => `${ty}/${id}/_history`),
      fc.tuple(type, segment, segment).map(([ty, id, v]) => `${ty}/${id}/_history/${v}`),
      type.map((ty) => `${ty}`),
      type.map((ty) => `${ty}/_history`),
      fc.array(segment, { minLength: 0, maxLength: 6 }).map((segs) => segs.join('/')),
      fc.constantFrom('', '_history', 'metadata', 'metadata/', 'Patient/', 'Patient//', '//Patient', 'Patient/x/_history/', 'Patient/x/_history/0', 'Patient/x/_history/-1', 'Patient/x/_history/1.5'),
    );
    const query = fc.array(
      fc.tuple(
        fc.constantFrom('_format', '_count', '_since', '_at', '_pretty', '_summary', '_cursor', '_elements', 'name', '_sort', '_id'),
        fc.oneof(fc.constantFrom('json', 'xml', '0', '-1', '1e9', 'abc', '2024', '2024-13-01', 'true', '', '%', '%E0%A4%A'), fc.string({ unit: 'binary', maxLength: 20 }).map(encodeSegment)),
      ),
      { maxLength: 3 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'GET', 'GET', 'PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS'), path, query, async (method, p, q) => {
        const qs = q.map(([k, v]) => `${k}=${v}`).join('&');
        const url = `/fhir/${p}${qs ? `?${qs}` : ''}`;
        const hasBody = method === 'PUT' || method === 'POST' || method === 'PATCH';
        const s: Sent = { method, url, headers: hasBody ? { 'Content-Type': 'application/fhir+json' } : {}, body: hasBody ? JSON.stringify({ ...SEEDS[0], id: decodeURIComponentSafe(p.split('/')[1] ?? '') }) : undefined };
        const res = method === 'GET' || method === 'OPTIONS' ? await send(t, s) : await checkedWrite(t, s, s.body === undefined ? undefined : JSON.parse(s.body as string));
        checkResponse(t, s, res);
        tally(res);
      }),
      params(RUNS.paths),
    );
  }, 300_000);

  test('odd headers and _format values on writes and reads: never 5xx, errors are OperationOutcomes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('PUT', 'POST', 'GET'),
        fc.nat({ max: SEEDS.length - 1 }),
        fc.array(mutation, { maxLength: 1 }),
        validId,
        headerSet,
        fc.option(formatValue, { nil: undefined }),
        fc.boolean(),
        async (method, seedIndex, mutations, id, headers, format, gzip) => {
          const body = clone(SEEDS[seedIndex]);
          body.id = id;
          for (const m of mutations) applyMutation(body, m);
          const type = String(SEEDS[seedIndex].resourceType);
          const qs = format === undefined ? '' : `?_format=${encodeSegment(format)}`;
          const url = method === 'POST' ? `/fhir/${type}${qs}` : `/fhir/${type}/${id}${qs}`;
          const text = JSON.stringify(body);
          let raw: string | Buffer | undefined = method === 'GET' ? undefined : text;
          // Sometimes really compress the body to match a gzip Content-Encoding.
          if (raw !== undefined && gzip && headers['Content-Encoding'] === 'gzip') raw = zlib.gzipSync(raw);
          const s: Sent = { method, url, headers, body: raw };
          const res = method === 'GET' ? await send(t, s) : await checkedWrite(t, s, JSON.parse(text));
          checkResponse(t, s, res);
          tally(res);
        },
      ),
      params(RUNS.headers),
    );
  }, 300_000);

  test('structurally valid resources nested thousands deep: never 5xx, and readable if accepted', async () => {
    // Nested Questionnaire items and nested extensions are legal FHIR at any depth; a server must
    // either refuse a depth it cannot handle (4xx) or store it so that it reads back.
    const shape = fc.constantFrom('Questionnaire.item', 'Patient.extension', 'Observation.component.extension');
    await fc.assert(
      fc.asyncProperty(shape, fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 120, max: 5000 })), validId, fc.boolean(), async (kind, depth, id, existing) => {
        const text = nestedResource(kind, depth, id);
        const type = kind.split('.')[0];
        // Half the time the id already exists, so the deep body goes through update's comparison with the current version.
        if (existing) {
          const shallow = await send(t, { method: 'PUT', url: `/fhir/${type}/${id}`, headers: { 'Content-Type': 'application/fhir+json' }, body: nestedResource(kind, 1, id) });
          if (shallow.status !== 200 && shallow.status !== 201) throw new FuzzFailure(`a shallow ${type} was not accepted: ${shallow.status} ${shallow.text.slice(0, 300)}`);
        }
        const s: Sent = { method: 'PUT', url: `/fhir/${type}/${id}`, headers: { 'Content-Type': 'application/fhir+json' }, body: text };
        tally(await checkedWrite(t, s, JSON.parse(text)));
      }),
      params(RUNS.deep),
    );
  }, 300_000);

  test('sent at least 10,000 generated requests in all', () => {
    expect(counts.requests).toBeGreaterThanOrEqual(10_000);
  });
});

/**
 * The id (or type) to put in the URL: the body's, unless it is not a string or too long for a request line
 * (Node's HTTP parser answers 431 to a request head over 16 KB, before the app sees it).
 */
function urlId(bodyId: Json | undefined, fallback: string): string {
  return typeof bodyId === 'string' && bodyId.length <= 1000 ? bodyId : fallback;
}

/** A valid resource whose repeating element nests `depth` levels, built as text (JSON.stringify would overflow). */
function nestedResource(kind: string, depth: number, id: string): string {
  switch (kind) {
    case 'Questionnaire.item': {
      const items = '{"linkId":"g","type":"group","item":['.repeat(depth) + '{"linkId":"d","type":"display","text":"leaf"}' + ']}'.repeat(depth);
      return `{"resourceType":"Questionnaire","id":"${id}","status":"active","item":[${items}]}`;
    }
    case 'Patient.extension': {
      const ext = '{"url":"http://example.org/nested","extension":['.repeat(depth) + '{"url":"http://example.org/leaf","valueString":"leaf"}' + ']}'.repeat(depth);
      return `{"resourceType":"Patient","id":"${id}","extension":[${ext}]}`;
    }
    default: {
      const ext = '{"url":"http://example.org/nested","extension":['.repeat(depth) + '{"url":"http://example.org/leaf","valueInteger":1}' + ']}'.repeat(depth);
      return `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"x"},"component":[{"code":{"text":"c"},"valueString":"v","extension":[${ext}]}]}`;
    }
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
