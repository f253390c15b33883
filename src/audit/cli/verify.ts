/**
 * `npm run audit:verify`: checks the tamper-evident chain of the stored AuditEvents (../verify.ts)
 * and exits 0 when it is intact (printing the count), 1 at the first break (printing where and why),
 * 2 on a bad setting. An entry point like main.ts: it reads the same environment (RELAY_DATA_DIR,
 * MONGODB_URI, ...). The embedded store admits one process: stop the server first (on MongoDB it
 * may run beside the server).
 */
import { cliConfig } from '../../auth/cli/args';
import { openStore } from '../../storage/open';
import { describeReport, verifyAuditChain } from '../verify';

async function main(): Promise<number> {
  const config = cliConfig();
  const store = await openStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri, journalCompactBytes: config.journalCompactBytes });
  try {
    const report = await verifyAuditChain(store);
    (report.ok ? console.log : console.error)(describeReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`audit:verify failed: ${err.message}`);
      process.exit(2);
    },
  );
}
