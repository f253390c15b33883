/** What a benchmark records about the machine it ran on, so that figures from different runs can be compared. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { ROOT } from './servers';

/** The 1, 5 and 15 minute load averages, rounded to two decimals. */
export const loadAvg = (): number[] => os.loadavg().map((n) => Math.round(n * 100) / 100);

export interface MachineInfo {
  date: string;
  node: string;
  cpuModel: string;
  cpuCount: number;
  platform: string;
  memoryGiB: number;
  loadAvgAtStart: number[];
  /** The checked-out commit, with "+dirty" when src/ has uncommitted changes (the figures depend on them). */
  commit: string;
}

/** The machine, the Node version, the commit and the load average now. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAvgAtStart: loadAvg(),
    commit: gitDescribe(),
  };
}

function gitDescribe(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}
