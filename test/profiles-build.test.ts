/**
 * Relay's implementation guide (profiles/): the checked-in profiles/package must be what
 * `npm run profiles` builds from the FSH sources (the build runs SUSHI offline, a few seconds), and it
 * must keep the layout of scratch/issue5-contract.md (file names, canonical URLs, snapshots, manifest).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { comparePackage } from '../profiles/build/package';

const ROOT = path.join(__dirname, '..');
const PACKAGE = path.join(ROOT, 'profiles', 'package');
const CANONICAL = 'https://relay.example/fhir';

function packageResources(): { name: string; text: string; json: Record<string, unknown> }[] {
  return fs
    .readdirSync(PACKAGE)
    .filter((name) => name.endsWith('.json') && name !== 'package.json')
    .map((name) => {
      const text = fs.readFileSync(path.join(PACKAGE, name), 'utf8');
      return { name, text, json: JSON.parse(text) as Record<string, unknown> };
    });
}

describe('profiles/package', () => {
  it('is what `npm run profiles` builds from profiles/input/fsh (run it when this fails)', () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const run = spawnSync(tsx, ['profiles/build.ts', '--check'], { cwd: ROOT, encoding: 'utf8', timeout: 55_000 });
    const report = `exit ${run.status ?? run.signal}\n${run.stdout}${run.stderr}`;
    expect(report).toMatch(/^exit 0\n/);
  }, 60_000);

  it('holds every contract id, each as <Type>-<id>.json with its canonical URL', () => {
    const names = packageResources().map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        ...['consult-request', 'consult-task', 'consult-media', 'intake-response', 'consult-report', 'consult-communication', 'consult-specialty'].map(
          (id) => `StructureDefinition-${id}.json`,
        ),
        'CodeSystem-consult-specialty.json',
        'ValueSet-consult-specialty.json',
        'CodeSystem-consult-communication-category.json',
        'ValueSet-consult-communication-category.json',
        'Questionnaire-intake-dermatology.json',
        'Questionnaire-intake-diabetic-retinopathy.json',
        'OperationDefinition-validate.json',
      ]),
    );
    for (const { name, text, json } of packageResources()) {
      expect(name).toBe(`${json.resourceType}-${json.id}.json`);
      expect(json.url).toBe(`${CANONICAL}/${json.resourceType}/${json.id}`);
      expect(text).toBe(JSON.stringify(json, null, 2) + '\n');
    }
  });

  it('has a snapshot in every StructureDefinition and a FHIR package manifest', () => {
    for (const { name, json } of packageResources().filter((r) => r.json.resourceType === 'StructureDefinition')) {
      const snapshot = json.snapshot as { element?: unknown[] } | undefined;
      expect({ name, elements: (snapshot?.element?.length ?? 0) > 1 }).toEqual({ name, elements: true });
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name: 'relay.consult', canonical: CANONICAL, fhirVersions: ['4.0.1'] });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('--check reports differing, missing and extra files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-profiles-check-'));
    try {
      fs.writeFileSync(path.join(dir, 'Same-a.json'), '{}\n');
      fs.writeFileSync(path.join(dir, 'Changed-b.json'), '{"a":1}\n');
      fs.writeFileSync(path.join(dir, 'Stale-c.json'), '{}\n');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not part of the package\n');
      const built = new Map([
        ['Same-a.json', '{}\n'],
        ['Changed-b.json', '{"a":2}\n'],
        ['New-d.json', '{}\n'],
      ]);
      expect(comparePackage(dir, built)).toEqual(['differs: Changed-b.json', 'extra: Stale-c.json', 'missing: New-d.json']);
      expect(comparePackage(dir, new Map([['Same-a.json', '{}\n'], ['Changed-b.json', '{"a":1}\n'], ['Stale-c.json', '{}\n']]))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
