/**
 * Child process of test/large-commit-crash.test.ts: opens the embedded store in argv[2] and commits,
 * one after another, transactions larger than the journal keeps in memory (LAZY_FROM_BYTES), each of
 * DOCS documents tagged with the transaction's number. Prints `committed <n>` once a commit is durable,
 * until it is killed.
 */
import { openEmbeddedStore } from '../../src/storage/embedded/store';

export const DOCS = 24;
/** Characters of text per document: 24 × 0.9 MB ≈ 21 MB per transaction, over the 16 MB threshold. */
export const TEXT_CHARS = 900_000;

/** Its text under `resource`: past the first few documents of each transaction, the store spills it (storage/embedded/spill.ts). */
export function docOf(round: number, tx: number, i: number): { _id: string; tx: string; i: number; resource: { text: string } } {
  return { _id: `${round}-${tx}-${i}`, tx: `${round}-${tx}`, i, resource: { text: `${round}/${tx}/${i} ✓ `.padEnd(TEXT_CHARS, 'abcdefghij') } };
}

async function main(): Promise<void> {
  const [dir, roundText] = process.argv.slice(2);
  const round = Number(roundText);
  const store = await openEmbeddedStore({ dataDir: dir, journalCompactBytes: 2 ** 40, log: () => {} });
  for (let tx = 0; ; tx++) {
    await store.transaction(async (t) => {
      for (let i = 0; i < DOCS; i++) await t.collection('c').insertOne(docOf(round, tx, i));
    });
    process.stdout.write(`committed ${tx}\n`);
  }
}

if (require.main === module) void main();
