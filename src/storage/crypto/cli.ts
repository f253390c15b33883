/**
 * `npm run blob-key -- new|rotate|show <file>`: manages a blob key file (keys.ts; RELAY_BLOB_KEY_FILE).
 *
 *   new <file>     writes a key file with one fresh random key (mode 0600); refuses to overwrite
 *   rotate <file>  adds a fresh key and makes it current; the old keys stay, for reading older content
 *   show <file>    prints the key ids and which one is current (never the keys)
 */
import path from 'node:path';
import { newKeyFile, readKeyFile, replaceKeyFile, rotated, writeNewKeyFile, type KeyFileJson } from './keys';
import fs from 'node:fs';

const USAGE = `usage:
  npm run blob-key -- new <file>
  npm run blob-key -- rotate <file>
  npm run blob-key -- show <file>`;

/** Runs one command; resolves the exit status (0 done, 1 failed, 2 usage). */
export async function runBlobKeyCommand(argv: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  const [command, target, ...extra] = argv;
  if (!command || !target || extra.length > 0 || !['new', 'rotate', 'show'].includes(command)) {
    print(USAGE);
    return 2;
  }
  const file = path.resolve(target);
  try {
    if (command === 'new') {
      const json = newKeyFile();
      if (!(await writeNewKeyFile(file, json))) throw new Error(`${file} already exists; use rotate to add a key to it`);
      print(`wrote ${file} (mode 0600) with key ${json.current}; back it up apart from the data and set RELAY_BLOB_KEY_FILE=${file}`);
    } else if (command === 'rotate') {
      readKeyFile(file); // checks it
      const next = rotated(JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFileJson);
      await replaceKeyFile(file, next);
      print(`added key ${next.current} to ${file} and made it current; restart Relay to encrypt new content with it (older keys stay for reading)`);
    } else {
      const ring = readKeyFile(file);
      for (const id of ring.ids()) print(`${id}${id === ring.current ? '\t(current)' : ''}`);
    }
    return 0;
  } catch (err) {
    print(`blob-key ${command}: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void runBlobKeyCommand(process.argv.slice(2)).then((code) => process.exit(code));
}
