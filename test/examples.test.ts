/**
 * The consult examples (examples/README.md): for every specialty directory, its complete consult loads as
 * one transaction and each of its resources passes $validate without errors; every invalid variant is
 * refused by $validate and by create with exactly the issues its .expected.json names, and nothing is
 * stored. The tests are generated from the directory listing, so a new example file is picked up as is.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Attachment, Bundle, BundleEntry, CodeSystem, CodeSystemConcept, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { entryStatus } from './helpers/bundle-response';
import { PROJECT_ROOT, startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const EXAMPLES = path.join(PROJECT_ROOT, 'examples');
const SPECIALTY_SYSTEM = 'https://relay.example/fhir/CodeSystem/consult-specialty';

interface ExpectedIssue {
  severity: OperationOutcomeIssue['severity'];
  code: OperationOutcomeIssue['code'];
  /** The issue's FHIRPath, exactly (its only expression). */
  expression: string;
  /** A substring of the issue's diagnostics. */
  text: string;
}

interface Expected {
  description: string;
  issues: ExpectedIssue[];
}

interface InvalidExample {
  name: string;
  file: string;
  expectedFile: string;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

const specialties = fs
  .readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function invalidExamples(specialty: string): InvalidExample[] {
  const dir = path.join(EXAMPLES, specialty, 'invalid');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
    .sort()
    .map((f) => ({ name: f.slice(0, -'.json'.length), file: path.join(dir, f), expectedFile: path.join(dir, f.replace(/\.json$/, '.expected.json')) }));
}

/** Every code of the consult-specialty CodeSystem Relay's package defines (children included). */
function specialtyCodes(): string[] {
  const cs = readJson<CodeSystem>(path.join(PROJECT_ROOT, 'profiles', 'package', 'CodeSystem-consult-specialty.json'));
  const walk = (concepts: CodeSystemConcept[] = []): string[] => concepts.flatMap((c) => [c.code as string, ...walk(c.concept)]);
  return walk(cs.concept);
}

const errorsOf = (issues: OperationOutcomeIssue[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
const describeIssue = (i: OperationOutcomeIssue) => `${i.severity} ${i.code} [${(i.expression ?? []).join(', ')}] ${i.diagnostics ?? i.details?.text ?? ''}`;

function matches(actual: OperationOutcomeIssue, expected: ExpectedIssue): boolean {
  return (
    actual.severity === expected.severity &&
    actual.code === expected.code &&
    actual.expression?.length === 1 &&
    actual.expression[0] === expected.expression &&
    (actual.diagnostics ?? '').includes(expected.text)
  );
}

/**
 * What is wrong with `issues` against `expected`: each expected issue must be present, and no error
 * issue may be there that none of them accounts for. Empty when they agree.
 */
function issueProblems(issues: OperationOutcomeIssue[], expected: ExpectedIssue[]): string[] {
  const problems: string[] = [];
  for (const e of expected) {
    if (!issues.some((i) => matches(i, e))) problems.push(`missing: ${e.severity} ${e.code} [${e.expression}] …${e.text}…`);
  }
  for (const i of errorsOf(issues)) {
    if (!expected.some((e) => matches(i, e))) problems.push(`unexpected: ${describeIssue(i)}`);
  }
  if (problems.length) problems.push(`all issues:\n  ${issues.map(describeIssue).join('\n  ')}`);
  return problems;
}

/** The inline attachments of a consult resource whose size and hash the examples promise to be right. */
function inlineAttachments(resource: Resource): { path: string; attachment: Attachment }[] {
  const out: { path: string; attachment: Attachment }[] = [];
  const visit = (value: unknown, where: string) => {
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${where}[${i}]`));
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record.data === 'string' && typeof record.contentType === 'string') out.push({ path: where, attachment: record as Attachment });
    for (const [k, v] of Object.entries(record)) visit(v, `${where}.${k}`);
  };
  visit(resource, resource.resourceType);
  return out;
}

it('examples/ holds a directory for every consult specialty except the parent code ophthalmology', () => {
  expect(specialties).toEqual(specialtyCodes().filter((c) => c !== 'ophthalmology').sort());
});

describe.each(specialties)('examples/%s', (specialty) => {
  const dir = path.join(EXAMPLES, specialty);
  const consult = readJson<Bundle>(path.join(dir, 'consult.json'));
  const entries: BundleEntry[] = consult.entry ?? [];
  const resources = entries.map((e) => e.resource as Resource);
  const invalid = invalidExamples(specialty);
  const readme = fs.readFileSync(path.join(EXAMPLES, 'README.md'), 'utf8');

  let t: TestApp;
  let loaded: { status: number; body: Bundle };
  const post = (url: string, body: unknown) => t.request.post(url).set('Content-Type', FHIR).send(body as object);
  const count = async (type: string): Promise<number> => {
    const res = await t.request.get(`/fhir/${type}?_summary=count`);
    expect(res.status).toBe(200);
    return res.body.total;
  };

  beforeAll(async () => {
    t = await startTestApp();
    const res = await post('/fhir', consult);
    loaded = { status: res.status, body: res.body };
  });
  afterAll(async () => {
    await t.close();
  });

  it('consult.json is a transaction of PUTs with fixed ids, for a ServiceRequest of this specialty', () => {
    expect(consult.resourceType).toBe('Bundle');
    expect(consult.type).toBe('transaction');
    expect(entries.map((e) => `${e.request?.method} ${e.request?.url}`)).toEqual(resources.map((r) => `PUT ${r.resourceType}/${r.id}`));
    const requests = resources.filter((r) => r.resourceType === 'ServiceRequest');
    const codes = requests.flatMap((r) => (r.category ?? []).flatMap((c) => (c.coding ?? []).filter((x) => x.system === SPECIALTY_SYSTEM).map((x) => x.code)));
    expect(codes).toEqual([specialty]);
  });

  it('consult.json states the right size and SHA-1 hash of every inline attachment', () => {
    const wrong: string[] = [];
    for (const r of resources) {
      for (const { path: where, attachment } of inlineAttachments(r)) {
        const bytes = Buffer.from(attachment.data as string, 'base64');
        const hash = createHash('sha1').update(bytes).digest('base64');
        if (attachment.size !== bytes.length) wrong.push(`${r.resourceType}/${r.id} ${where}.size is ${attachment.size}, the data is ${bytes.length} bytes`);
        if (attachment.hash !== hash) wrong.push(`${r.resourceType}/${r.id} ${where}.hash is ${attachment.hash}, the SHA-1 of the data is ${hash}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('consult.json loads as one transaction: 200, every entry 200 or 201', () => {
    expect({ status: loaded.status, type: loaded.body.type }).toEqual({ status: 200, type: 'transaction-response' });
    expect((loaded.body.entry ?? []).map((e) => [200, 201].includes(entryStatus(e)))).toEqual(entries.map(() => true));
  });

  it.each(resources.map((r) => [`${r.resourceType}/${r.id}`, r] as const))('consult resource %s passes $validate without errors', async (_label, resource) => {
    const res = await post(`/fhir/${resource.resourceType}/$validate`, resource);
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(errorsOf(res.body.issue ?? []).map(describeIssue)).toEqual([]);
  });

  it('has at least 3 invalid variants, each listed in examples/README.md', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(3);
    expect(invalid.map((x) => x.name).filter((name) => !readme.includes(`${specialty}/invalid/${name}.json`))).toEqual([]);
  });

  it('has no .expected.json without its invalid example', () => {
    const invalidDir = path.join(dir, 'invalid');
    const orphans = fs.existsSync(invalidDir)
      ? fs
          .readdirSync(invalidDir)
          .filter((f) => f.endsWith('.expected.json'))
          .filter((f) => !fs.existsSync(path.join(invalidDir, f.replace(/\.expected\.json$/, '.json'))))
      : [];
    expect(orphans).toEqual([]);
  });

  describe.each(invalid.map((x) => [x.name, x] as const))('invalid/%s', (_name, example) => {
    const resource = readJson<Resource>(example.file);
    const expected: Expected | undefined = fs.existsSync(example.expectedFile) ? readJson<Expected>(example.expectedFile) : undefined;

    it('has an expected-outcome file naming at least one issue', () => {
      if (!expected) throw new Error(`${path.relative(PROJECT_ROOT, example.expectedFile)} is missing: every invalid example needs one`);
      expect(typeof expected.description).toBe('string');
      expect(expected.issues.length).toBeGreaterThan(0);
    });

    it('$validate answers 200 with exactly the expected error issues', async () => {
      if (!expected) throw new Error(`no ${path.basename(example.expectedFile)}`);
      const res = await post(`/fhir/${resource.resourceType}/$validate`, resource);
      expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 200, resourceType: 'OperationOutcome' });
      expect(issueProblems(res.body.issue ?? [], expected.issues)).toEqual([]);
    });

    it('create answers 400 with the same issues and stores nothing', async () => {
      if (!expected) throw new Error(`no ${path.basename(example.expectedFile)}`);
      const before = await count(resource.resourceType);
      const res = await post(`/fhir/${resource.resourceType}`, resource);
      expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
      expect(issueProblems(res.body.issue ?? [], expected.issues)).toEqual([]);
      expect(await count(resource.resourceType)).toBe(before);
    });
  });
});
