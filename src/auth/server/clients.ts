/**
 * Registered clients of Relay's authorization server (SMART App Launch 2.x backend-services.html#registering-a-client):
 * `<RELAY_DATA_DIR>/auth/clients.json`, a JSON array of { id, name, jwks | jwksUri, scopes, organization }.
 * Managed with `npm run clients` (auth/cli/clients.ts); read on each token request, so changes
 * apply without a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JsonWebKeySet } from '../issuers-file';
import { parseScope } from '../scopes';
import { authDir } from './keys';

export interface RegisteredClient {
  id: string;
  /** Display name. */
  name?: string;
  /** The client's public keys, or where to fetch them. */
  jwks?: JsonWebKeySet;
  jwksUri?: string;
  /** Scopes the client may be granted (SMART v1 or v2 resource scopes). */
  scopes: string[];
  /** The client's organisation, e.g. `Organization/clinic-a`: the `organization` claim of its tokens. */
  organization?: string;
}

const CLIENT_ID = /^[A-Za-z0-9\-._~]{1,128}$/;

export function clientsFile(dataDir: string): string {
  return path.join(authDir(dataDir), 'clients.json');
}

/** Every registered client (none when the file does not exist). */
export function readClients(dataDir: string): RegisteredClient[] {
  const file = clientsFile(dataDir);
  if (!fs.existsSync(file)) return [];
  const list = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(list)) throw new Error(`${file} must hold a JSON array of clients`);
  return list as RegisteredClient[];
}

/** One client by id. */
export function findClient(dataDir: string, id: string): RegisteredClient | undefined {
  return readClients(dataDir).find((c) => c.id === id);
}

/** Checks a client and adds it (or replaces the one with the same id); returns it. */
export function saveClient(dataDir: string, client: RegisteredClient): RegisteredClient {
  if (!CLIENT_ID.test(client.id)) throw new Error(`client id ${JSON.stringify(client.id)} must be 1-128 characters of A-Z a-z 0-9 - . _ ~`);
  if (!client.jwks === !client.jwksUri) throw new Error('a client needs exactly one of a JWK Set (--jwks) and a JWK Set URL (--jwks-uri)');
  if (client.scopes.length === 0) throw new Error('a client needs at least one allowed scope (--scopes)');
  const bad = client.scopes.filter((s) => !parseScope(s));
  if (bad.length) throw new Error(`not SMART resource scopes: ${bad.join(' ')} (examples: system/*.rs, system/Patient.read, system/Observation.cruds)`);
  if (client.organization !== undefined && !/^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(client.organization)) {
    throw new Error(`organization must be a reference like Organization/clinic-a, not ${JSON.stringify(client.organization)}`);
  }
  writeClients(dataDir, [...readClients(dataDir).filter((c) => c.id !== client.id), client]);
  return client;
}

/** Removes a client; false when there was none with that id. */
export function removeClient(dataDir: string, id: string): boolean {
  const clients = readClients(dataDir);
  const kept = clients.filter((c) => c.id !== id);
  if (kept.length === clients.length) return false;
  writeClients(dataDir, kept);
  return true;
}

function writeClients(dataDir: string, clients: RegisteredClient[]): void {
  const file = clientsFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(clients, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(temp, file);
}
