/**
 * `npm run bench:validation`: issue 5's benchmark. Validates the consult resources of every example
 * in examples/ (ServiceRequest, Task, Media, QuestionnaireResponse, DiagnosticReport, Communication)
 * in-process, two ways in the same run, interleaved in rounds:
 *   - base: base R4 only (src/validation/validate.ts validateBase), the baseline;
 *   - profiled: what a write runs (src/validation/validator.ts): base R4, the consult profile applied
 *     automatically, and for a QuestionnaireResponse the check against its Questionnaire. References
 *     resolve against the example's own resources held in memory, so no storage time is counted.
 * Prints µs per resource per type for both, the profile's share (profiled − base) and the ratio, and
 * judges issue 5's goal: profile validation under 1 ms per resource. Writes
 * bench/results/validation-latest.json. Settings: BENCH_VALIDATION_ROUNDS (default 30),
 * BENCH_VALIDATION_REPEAT (validations per resource per round, default 20).
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { implementationGuide } from '../src/conformance/package';
import { loadR4Definitions } from '../src/validation/definitions';
import { hasErrors, validateBase } from '../src/validation/validate';
import { validateResource, type ValidationEnv } from '../src/validation/validator';
import { machineInfo } from './lib/machine';
import { ROOT } from './lib/servers';

const RESULTS = path.join(ROOT, 'bench', 'results', 'validation-latest.json');
const TYPES = ['ServiceRequest', 'Task', 'Media', 'QuestionnaireResponse', 'DiagnosticReport', 'Communication'];
/** Issue 5: validation of a consult resource with its profile under 1 ms per resource. */
const TARGET_US = 1000;

interface Sample {
  resource: Resource;
  env: ValidationEnv;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

/** Every consult resource of every example, each with an env that resolves within its own consult. */
async function loadSamples(): Promise<Sample[]> {
  const dir = path.join(ROOT, 'examples');
  const samples: Sample[] = [];
  for (const specialty of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    const bundle = JSON.parse(await readFile(path.join(dir, specialty.name, 'consult.json'), 'utf8')) as Bundle;
    const byRef = new Map<string, Resource>();
    for (const e of bundle.entry ?? []) if (e.resource) byRef.set(`${e.resource.resourceType}/${e.resource.id}`, e.resource);
    const guide = implementationGuide();
    const env: ValidationEnv = {
      canonical: async (type, canonical) => guide.byCanonical(type, canonical),
      resolve: async (reference) => byRef.get(reference.replace(/\/_history\/.*$/, '')),
    };
    for (const resource of byRef.values()) if (TYPES.includes(resource.resourceType)) samples.push({ resource, env });
  }
  return samples;
}

async function main(): Promise<void> {
  const rounds = positive('BENCH_VALIDATION_ROUNDS', 30);
  const repeat = positive('BENCH_VALIDATION_REPEAT', 20);
  loadR4Definitions();
  const samples = await loadSamples();
  // Every sample must be valid, or the bench would time error paths.
  for (const s of samples) {
    const issues = await validateResource(s.resource, s.env, { strictProfiles: false });
    if (hasErrors(issues)) throw new Error(`${s.resource.resourceType}/${s.resource.id} is not valid: ${JSON.stringify(issues).slice(0, 500)}`);
  }
  const time = { base: new Map<string, number>(), profiled: new Map<string, number>() };
  const count = new Map<string, number>();
  for (let round = 0; round < rounds + 2; round++) {
    const warm = round < 2;
    for (const s of samples) {
      const type = s.resource.resourceType;
      let t0 = process.hrtime.bigint();
      for (let i = 0; i < repeat; i++) validateBase(s.resource);
      const base = Number(process.hrtime.bigint() - t0) / 1000;
      t0 = process.hrtime.bigint();
      for (let i = 0; i < repeat; i++) await validateResource(s.resource, s.env, { strictProfiles: false });
      const profiled = Number(process.hrtime.bigint() - t0) / 1000;
      if (warm) continue;
      time.base.set(type, (time.base.get(type) ?? 0) + base);
      time.profiled.set(type, (time.profiled.get(type) ?? 0) + profiled);
      count.set(type, (count.get(type) ?? 0) + repeat);
    }
  }
  const rows = TYPES.filter((t) => count.has(t)).map((type) => {
    const n = count.get(type) as number;
    const base = (time.base.get(type) as number) / n;
    const profiled = (time.profiled.get(type) as number) / n;
    return { type, resources: samples.filter((s) => s.resource.resourceType === type).length, baseUs: round1(base), profiledUs: round1(profiled), profileShareUs: round1(profiled - base), ratio: round2(profiled / base), pass: profiled < TARGET_US };
  });
  console.log(`validation of ${samples.length} consult resources from examples/, ${rounds} rounds × ${repeat} per resource\n`);
  console.log('| type | resources | base R4 µs | with profile µs | profile share µs | ratio | < 1 ms |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.type} | ${r.resources} | ${r.baseUs} | ${r.profiledUs} | ${r.profileShareUs} | ${r.ratio}× | ${r.pass ? 'PASS' : 'FAIL'} |`);
  const summary = { machine: machineInfo(), settings: { rounds, repeat }, targetUs: TARGET_US, rows };
  await mkdir(path.dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\nsummary written to ${path.relative(ROOT, RESULTS)}`);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
