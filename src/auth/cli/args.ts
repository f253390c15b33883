/** Command-line plumbing of the auth CLIs: `--name value` options, and the config read like main.ts reads it. */
import { ConfigError, loadConfig, type Config } from '../../config';

/** `--name value` pairs after the command; throws on a flag without a value or an unknown flag. */
export function parseOptions(args: readonly string[], known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    if (!name.startsWith('--') || !known.includes(name.slice(2))) throw new Error(`unknown option ${name}; known: ${known.map((k) => `--${k}`).join(' ')}`);
    const value = args[i + 1];
    if (value === undefined) throw new Error(`${name} needs a value`);
    out[name.slice(2)] = value;
  }
  return out;
}

/**
 * The CLIs are entry points like main.ts: they read the same environment (RELAY_DATA_DIR,
 * RELAY_BASE_URL, ...) with the same schema, so they act on the data directory the server uses.
 */
export function cliConfig(): Config {
  try {
    // eslint-disable-next-line no-restricted-syntax -- a second entry point, like main.ts (documented in README Security)
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`invalid setting ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}
