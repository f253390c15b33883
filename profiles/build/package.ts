/** Turns SUSHI's output into the checked-in package: normalised JSON files plus a FHIR package manifest. */
import fs from 'node:fs';
import path from 'node:path';
import type { IgConfig } from './config';

/** JSON as checked in: 2-space indent and a trailing newline. SUSHI writes no dates, so nothing is dropped. */
export function normalise(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** The FHIR package manifest (profiles/package/package.json). */
export function manifest(config: IgConfig): Record<string, unknown> {
  return {
    name: 'relay.consult',
    version: config.version,
    type: 'IG',
    canonical: config.canonical,
    url: config.canonical,
    title: 'Relay store-and-forward consult',
    description:
      'Profiles, terminology, intake questionnaires and operations of Relay, a FHIR R4 store-and-forward telemedicine server.',
    fhirVersions: [config.fhirVersion],
    dependencies: { 'hl7.fhir.r4.core': config.fhirVersion },
    author: 'Relay',
    license: 'Apache-2.0',
  };
}

/** Reads SUSHI's fsh-generated/resources and returns file name → normalised text, manifest included. */
export function packageFiles(sushiOut: string, config: IgConfig): Map<string, string> {
  const dir = path.join(sushiOut, 'fsh-generated', 'resources');
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    const resource = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { resourceType: string; id: string };
    const expected = `${resource.resourceType}-${resource.id}.json`;
    if (name !== expected) throw new Error(`SUSHI wrote ${name}; expected ${expected}`);
    files.set(name, normalise(resource));
  }
  files.set('package.json', normalise(manifest(config)));
  return files;
}

/** Makes `dir` hold exactly `files` (removing stale JSON files); returns the names written or removed. */
export function writePackage(dir: string, files: Map<string, string>): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const changed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith('.json') && !files.has(name)) {
      fs.rmSync(path.join(dir, name));
      changed.push(`removed ${name}`);
    }
  }
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) continue;
    fs.writeFileSync(file, text);
    changed.push(`wrote ${name}`);
  }
  return changed;
}

/** Differences between a freshly built package and the checked-in directory, one line each. */
export function comparePackage(dir: string, files: Map<string, string>): string[] {
  const present = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
  const out: string[] = [];
  for (const [name, text] of files) {
    if (!present.includes(name)) out.push(`missing: ${name}`);
    else if (fs.readFileSync(path.join(dir, name), 'utf8') !== text) out.push(`differs: ${name}`);
  }
  for (const name of present) if (!files.has(name)) out.push(`extra: ${name}`);
  return out.sort();
}
