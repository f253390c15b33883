/**
 * `npm run clients -- add|list|remove`: manages the clients registered with Relay's authorization
 * server (SMART App Launch 2.x backend-services.html#registering-a-client) in
 * `<RELAY_DATA_DIR>/auth/clients.json`. A second entry point beside main.ts (see cliConfig).
 *
 *   add    --id ID (--jwks FILE | --jwks-uri URL) --scopes "system/*.rs ..." [--organization Organization/x] [--name TEXT]
 *   list
 *   remove --id ID
 */
import { readJwks } from '../issuers-file';
import { readClients, removeClient, saveClient, type RegisteredClient } from '../server/clients';
import { cliConfig, parseOptions } from './args';

const USAGE = `usage:
  npm run clients -- add --id ID (--jwks FILE | --jwks-uri URL) --scopes "system/*.rs" [--organization Organization/x] [--name TEXT]
  npm run clients -- list
  npm run clients -- remove --id ID`;

/** Runs one command against the data directory; returns the exit status (0 done, 1 failed, 2 usage). */
export function runClientsCommand(argv: readonly string[], dataDir: string, print: (line: string) => void = console.log): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'add': {
        const o = parseOptions(rest, ['id', 'jwks', 'jwks-uri', 'scopes', 'organization', 'name']);
        if (!o.id || !o.scopes) throw new Error('add needs --id and --scopes');
        const client: RegisteredClient = { id: o.id, scopes: o.scopes.split(/\s+/).filter(Boolean) };
        if (o.name) client.name = o.name;
        if (o.jwks) client.jwks = readJwks(o.jwks);
        if (o['jwks-uri']) client.jwksUri = o['jwks-uri'];
        if (o.organization) client.organization = o.organization;
        saveClient(dataDir, client);
        print(`registered client ${client.id} (scopes: ${client.scopes.join(' ')})`);
        return 0;
      }
      case 'list':
        parseOptions(rest, []);
        for (const c of readClients(dataDir)) {
          print(`${c.id}\t${c.name ?? ''}\t${c.scopes.join(' ')}\t${c.organization ?? ''}\t${c.jwksUri ?? `${c.jwks?.keys.length ?? 0} key(s)`}`);
        }
        return 0;
      case 'remove': {
        const o = parseOptions(rest, ['id']);
        if (!o.id) throw new Error('remove needs --id');
        if (!removeClient(dataDir, o.id)) throw new Error(`no client ${o.id}`);
        print(`removed client ${o.id}`);
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } catch (err) {
    console.error(`clients ${command}: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) process.exit(runClientsCommand(process.argv.slice(2), cliConfig().dataDir));
