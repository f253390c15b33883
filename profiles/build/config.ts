/** The few settings of sushi-config.yaml that build.ts needs (a flat YAML file; no YAML library needed). */
import fs from 'node:fs';

export interface IgConfig {
  canonical: string;
  version: string;
  fhirVersion: string;
  /** `dependencies:` as package name → version (simple form only). */
  dependencies: Record<string, string>;
}

export function readIgConfig(file: string): IgConfig {
  const text = fs.readFileSync(file, 'utf8');
  const value = (key: string): string => {
    const m = new RegExp(`^${key}:[ \\t]*(\\S+)`, 'm').exec(text);
    if (!m) throw new Error(`${file}: no ${key}`);
    return m[1];
  };
  const dependencies: Record<string, string> = {};
  const block = /^dependencies:\n((?:[ \t]+\S.*\n?)*)/m.exec(text)?.[1] ?? '';
  for (const m of block.matchAll(/^[ \t]+([\w.-]+):[ \t]*(\S+)/gm)) dependencies[m[1]] = m[2];
  return { canonical: value('canonical'), version: value('version'), fhirVersion: value('fhirVersion'), dependencies };
}
