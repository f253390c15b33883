/** Relay's name and version (from package.json) and the moment this process started. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };

export const RELAY_SOFTWARE = { name: 'Relay', version: pkg.version };
export const STARTED_AT = new Date().toISOString();
