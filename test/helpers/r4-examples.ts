/** The official R4 examples (npm hl7.fhir.r4.examples@4.0.1) that are resources, in file-name order. */
import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';

export const R4_EXAMPLES_DIR = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));

/** Every example file holding a JSON object with a resourceType (package.json and index files skipped). */
export function loadR4Examples(): Resource[] {
  const out: Resource[] = [];
  for (const file of fs.readdirSync(R4_EXAMPLES_DIR).sort()) {
    if (!file.endsWith('.json') || file === 'package.json' || file.startsWith('.')) continue;
    const json: unknown = JSON.parse(fs.readFileSync(path.join(R4_EXAMPLES_DIR, file), 'utf8'));
    if (json && typeof json === 'object' && !Array.isArray(json) && typeof (json as { resourceType?: unknown }).resourceType === 'string') out.push(json as Resource);
  }
  return out;
}
