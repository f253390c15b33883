/** Runs the SUSHI command line on the FSH project with HOME pointing at the throw-away package cache. */
import { spawn } from 'node:child_process';
import path from 'node:path';

const SUSHI = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'sushi');

/** SUSHI log lines worth showing: its warnings and errors with the indented lines (file, line) that follow. */
function problems(log: string): string[] {
  const out: string[] = [];
  let keep = false;
  for (const line of log.split('\n')) {
    if (/^(warn|error)\s/.test(line)) keep = true;
    else if (!/^\s+\S/.test(line)) keep = false;
    if (keep) out.push(line);
  }
  return out;
}

/**
 * Compiles `projectDir` (sushi-config.yaml + input/fsh) with snapshots into `outDir`; resolves with the
 * warnings SUSHI printed and rejects, with its errors, when SUSHI reports any error or exits non-zero.
 */
export function runSushi(projectDir: string, outDir: string, home: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(SUSHI, ['build', projectDir, '--snapshot', '--out', outDir], {
      env: { ...process.env, HOME: home, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const found = problems(log);
      const failed = code !== 0 || found.some((line) => line.startsWith('error')) || !/\b0 Errors\b/.test(log);
      if (failed) reject(new Error(`SUSHI failed (exit ${code}):\n${found.join('\n') || log}`));
      else resolve(found);
    });
  });
}
