/** Child servers: spawned with their own env, ready when stdout prints a given line, stopped reliably. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  readonly name: string;
  readonly pid: number | undefined;
  /** The stdout line that announced readiness. */
  readonly readyLine: string;
  /** Last lines of stdout+stderr, for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_LINES = 40;

export function startChild(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
  cwd = process.cwd(),
): Promise<Child> {
  const proc: ChildProcess = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES);
  };
  let exited = proc.exitCode !== null;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => ((exited = true), resolve())));
  const tail = () => lines.map((l) => `  [${name}] ${l}`).join('\n');

  const child = (readyLine: string): Child => ({
    name,
    pid: proc.pid,
    readyLine,
    tail,
    async stop(graceMs = 5_000) {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) proc.kill('SIGKILL');
      }, graceMs);
      await exit;
      clearTimeout(timer);
    },
  });

  return new Promise<Child>((resolve, reject) => {
    let done = false;
    const failStart = (why: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!exited) proc.kill('SIGKILL');
      reject(new Error(`${name} did not start: ${why}\n${tail()}`));
    };
    const timer = setTimeout(() => failStart(`no line matching ${ready} within ${timeoutMs} ms`), timeoutMs);
    proc.stderr?.on('data', remember);
    proc.stdout?.on('data', (chunk: Buffer) => {
      remember(chunk);
      if (done) return;
      const line = chunk.toString('utf8').split('\n').find((l) => ready.test(l));
      if (line) {
        done = true;
        clearTimeout(timer);
        resolve(child(line.trim()));
      }
    });
    proc.once('error', (err) => failStart(err.message));
    proc.once('exit', (code, signal) => failStart(`exited early (code ${code}, signal ${signal})`));
  });
}
