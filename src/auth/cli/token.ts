/**
 * `npm run -s token -- --client ID --scope "system/*.read" [--patient Patient/1] [--fhir-user Practitioner/1]`:
 * prints an access token signed with Relay's key (SMART App Launch 2.x backend-services.html), for
 * local testing without running the client assertion flow. The client need not be registered; when
 * it is, its organisation goes into the token. A second entry point beside main.ts (see cliConfig).
 */
import type { Config } from '../../config';
import { authUrls } from '../urls';
import { findClient } from '../server/clients';
import { loadSigningKey } from '../server/keys';
import { mintAccessToken } from '../server/mint';
import { cliConfig, parseOptions } from './args';

/** Mints the token the options ask for. */
export async function mintFromCommandLine(argv: readonly string[], config: Config): Promise<string> {
  const o = parseOptions(argv, ['client', 'scope', 'patient', 'fhir-user']);
  if (!o.client || !o.scope) throw new Error('usage: npm run -s token -- --client ID --scope "system/*.read" [--patient Patient/1] [--fhir-user Practitioner/1]');
  const urls = authUrls(config.baseUrl);
  const { token } = await mintAccessToken(
    { clientId: o.client, scope: o.scope, organization: findClient(config.dataDir, o.client)?.organization, patient: o.patient, fhirUser: o['fhir-user'] },
    { key: loadSigningKey(config.dataDir), issuer: urls.issuer, audience: urls.audience, ttlMs: config.authTokenTtlMs },
  );
  return token;
}

if (require.main === module) {
  mintFromCommandLine(process.argv.slice(2), cliConfig()).then(
    (token) => console.log(token),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
