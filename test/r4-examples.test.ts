/**
 * Acceptance: every official R4 example (hl7.fhir.r4.examples@4.0.1) is PUT to /fhir/[type]/[id].
 * What is accepted must read back unchanged (apart from meta.versionId/lastUpdated); what is rejected
 * must be a 400 OperationOutcome that points at the offending element. Writes a report to
 * test/output/r4-examples-report.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { firstDifference } from './helpers/json-diff';
import { startTestApp, type TestApp } from './helpers/test-app';

const EXAMPLES_DIR = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
const REPORT = path.join(__dirname, 'output', 'r4-examples-report.md');
const IN_FLIGHT = 16;

/**
 * Floor on accepted examples. Observed with the complete server: 5272 of 5306 accepted; each of the 34
 * rejections was checked against the R4 spec (33 invalid examples, and Bundle-resources.json, which is
 * over the 16 MB document limit; see test/output/r4-examples-report.md). The floor allows
 * a margin of 20 for deliberate tightening of validation; a regression that rejects more valid
 * examples than that fails here. Raise ACCEPTED_OBSERVED when validation bugs are fixed.
 */
const ACCEPTED_OBSERVED = 5272;
const ACCEPTED_FLOOR = ACCEPTED_OBSERVED - 20;

interface Example {
  file: string;
  resource: Record<string, unknown> & { resourceType: string; id: string };
}

interface Issue {
  severity?: string;
  code?: string;
  details?: { text?: string };
  diagnostics?: string;
  expression?: string[];
}

interface Rejection {
  file: string;
  status: number;
  issues: Issue[];
}

/** Every example file that holds a resource with a resourceType and an id. */
function loadExamples(): Example[] {
  const out: Example[] = [];
  for (const file of fs.readdirSync(EXAMPLES_DIR).sort()) {
    if (!file.endsWith('.json') || file === 'package.json' || file.startsWith('.')) continue;
    const json: unknown = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
    if (!json || typeof json !== 'object' || Array.isArray(json)) continue;
    const { resourceType, id } = json as { resourceType?: unknown; id?: unknown };
    if (typeof resourceType !== 'string' || typeof id !== 'string') continue;
    out.push({ file, resource: json as Example['resource'] });
  }
  return out;
}

/**
 * The resource without the server-owned meta.versionId and meta.lastUpdated (and without meta if
 * nothing else is left). A Binary's data is compared without whitespace: Relay stores the decoded
 * content and answers canonical base64 (R4 base64Binary allows whitespace).
 */
function withoutServerMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = resource;
  if (rest.resourceType === 'Binary' && typeof rest.data === 'string') rest.data = rest.data.replace(/\s+/g, '');
  if (!meta || typeof meta !== 'object') return rest;
  const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta as Record<string, unknown>;
  return Object.keys(otherMeta).length ? { ...rest, meta: otherMeta } : rest;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

function issueLine(i: Issue | undefined): string {
  if (!i) return '';
  return `${i.severity ?? '?'} ${(i.expression ?? []).join(', ') || '(no expression)'}: ${i.details?.text ?? i.diagnostics ?? ''}`;
}

function writeReport(sent: number, accepted: number, rejections: Rejection[], mismatches: string[], serverErrors: string[]): string {
  const summary = `R4 examples: sent ${sent}, accepted ${accepted}, rejected ${rejections.length}, 5xx ${serverErrors.length}, read-back mismatches ${mismatches.length}`;
  const md = [
    '# R4 examples report',
    '',
    `Package hl7.fhir.r4.examples@4.0.1; each example PUT to /fhir/[resourceType]/[id], then read back.`,
    '',
    `- sent: ${sent}`,
    `- accepted (200/201): ${accepted}`,
    `- rejected: ${rejections.length}`,
    `- 5xx: ${serverErrors.length}`,
    `- read-back mismatches: ${mismatches.length}`,
    '',
    '## Rejections',
    '',
    '| file | status | first issue | second issue |',
    '|---|---|---|---|',
    ...rejections.map((r) => `| ${r.file} | ${r.status} | ${cell(issueLine(r.issues[0]))} | ${cell(issueLine(r.issues[1]))} |`),
    '',
    ...(serverErrors.length ? ['## 5xx', '', ...serverErrors.map((e) => `- ${e}`), ''] : []),
    ...(mismatches.length ? ['## Read-back mismatches', '', ...mismatches.map((m) => `- ${m}`), ''] : []),
  ].join('\n');
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, md);
  console.log(`${summary}\nreport: ${REPORT}\n${rejections.map((r) => `  ${r.file} ${r.status}: ${issueLine(r.issues[0])}${r.issues[1] ? ` | ${issueLine(r.issues[1])}` : ''}`).join('\n')}`);
  return summary;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 300);
}

describe('official R4 examples', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The largest example bundles (Bundle-resources.json, ~35 MB pretty-printed, ~30 MB compact) exceed
    // the default 16 MB body limit; raise it so every example reaches validation and storage (whose
    // 16 MB document limit, MongoDB's, then applies) instead of stopping at the body limit.
    // Inline attachment data stays inline, and Binaries read back as FHIR JSON carry their data, so that
    // every example reads back as sent (test/binary-http.test.ts covers the extraction).
    t = await startTestApp({ maxBodyBytes: 128 * 1024 * 1024, attachmentInlineMaxBytes: 128 * 1024 * 1024, binaryInlineMaxBytes: 128 * 1024 * 1024 });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  test('stores every valid example unchanged and rejects the rest with a 400 OperationOutcome naming the element (413 if too large to store, 422 for attachment data that disagrees with its stated hash)', async () => {
    const examples = loadExamples();
    // The same [type]/[id] can occur in more than one file (ImplementationGuide/fhir); PUT those one at
    // a time, after the first pass, so a read-back never races another file's update of the same id.
    const seen = new Set<string>();
    const first: Example[] = [];
    const repeats: Example[] = [];
    for (const e of examples) {
      const key = `${e.resource.resourceType}/${e.resource.id}`;
      (seen.has(key) ? repeats : first).push(e);
      seen.add(key);
    }

    let accepted = 0;
    const rejections: Rejection[] = [];
    const mismatches: string[] = [];
    const serverErrors: string[] = [];
    const badRejections: string[] = [];

    const send = async ({ file, resource }: Example) => {
      const url = `/fhir/${resource.resourceType}/${encodeURIComponent(resource.id)}`;
      const put = await t.request.put(url).set('Content-Type', 'application/fhir+json').send(JSON.stringify(resource));
      if (put.status >= 500) {
        const logged = t.logged.map((e) => String(e.error ?? JSON.stringify(e)).split('\n').slice(0, 4).join(' ')).join(' / ');
        serverErrors.push(`${file}: PUT ${put.status} ${put.text.slice(0, 200)} (server log: ${logged.slice(0, 1000)})`);
        return;
      }
      if (put.status === 200 || put.status === 201) {
        accepted++;
        const get = await t.request.get(url).set('Accept', 'application/fhir+json');
        if (get.status !== 200) {
          mismatches.push(`${file}: GET after PUT ${put.status} answered ${get.status} ${get.text.slice(0, 200)}`);
          return;
        }
        const diff = firstDifference(withoutServerMeta(resource), withoutServerMeta(get.body));
        if (diff) mismatches.push(`${file}: ${diff}`);
        return;
      }
      const body = put.body as { resourceType?: string; issue?: Issue[] };
      const issues = Array.isArray(body?.issue) ? body.issue : [];
      rejections.push({ file, status: put.status, issues });
      const pointed = issues.some((i) => (i.severity === 'error' || i.severity === 'fatal') && (i.expression?.length ?? 0) > 0);
      // 413 is the right answer for a resource too large to store (over the 16 MB document limit).
      const tooLarge = put.status === 413 && issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
      // 422 is the answer for attachment content that disagrees with its stated size or hash (README, Binary and Media).
      // 403 is the answer for an AuditEvent: only Relay records them (README, Audit trail).
      const auditEvent = put.status === 403 && resource.resourceType === 'AuditEvent';
      if (body?.resourceType !== 'OperationOutcome' || !(((put.status === 400 || put.status === 422) && pointed) || tooLarge || auditEvent)) {
        badRejections.push(`${file}: ${put.status} ${put.text.slice(0, 300)}`);
      }
    };

    await eachLimited(first, IN_FLIGHT, send);
    await eachLimited(repeats, 1, send);

    const summary = writeReport(examples.length, accepted, rejections, mismatches, serverErrors);
    expect({ summary, serverErrors }).toEqual({ summary, serverErrors: [] });
    expect({ summary, mismatches }).toEqual({ summary, mismatches: [] });
    expect({ summary, badRejections }).toEqual({ summary, badRejections: [] });
    expect(accepted + rejections.length).toBe(examples.length);
    expect(accepted).toBeGreaterThanOrEqual(ACCEPTED_FLOOR);
  }, 600_000);
});
