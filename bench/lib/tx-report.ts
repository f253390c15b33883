/** Figures and printed tables of the transaction bench (bench/transaction.ts). */
import { round } from './load';
import { pct } from './report';

/** What one timed run of one case produced. */
export interface Measured {
  resources: number;
  wallMs: number;
  /** CPU seconds of the Relay process (all threads) over the run; undefined off Linux. */
  cpuSeconds?: number;
  /** Distinct TCP connections the client used. */
  sockets: number;
}

export interface CaseTotals {
  name: string;
  runs: number;
  resources: number;
  wallMs: number;
  resourcesPerSec: number;
  wallMsPerResource: number;
  cpuUsPerResource?: number;
  connections: number;
}

export function totals(name: string, runs: readonly Measured[]): CaseTotals {
  const resources = runs.reduce((n, r) => n + r.resources, 0);
  const wallMs = runs.reduce((n, r) => n + r.wallMs, 0);
  const cpu = runs.every((r) => r.cpuSeconds !== undefined) ? runs.reduce((n, r) => n + (r.cpuSeconds as number), 0) : undefined;
  return {
    name,
    runs: runs.length,
    resources,
    wallMs: round(wallMs, 1),
    resourcesPerSec: round((resources / wallMs) * 1000, 1),
    wallMsPerResource: round(wallMs / resources, 3),
    ...(cpu === undefined ? {} : { cpuUsPerResource: round((cpu / resources) * 1e6, 1) }),
    connections: Math.max(...runs.map((r) => r.sockets)),
  };
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A Markdown table (readable in a terminal, pasteable into bench/README.md); `right` columns are right-aligned. */
export function mdTable(head: string[], rows: string[][], right: number[] = []): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const cell = (c: string, i: number) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => '-'.repeat(w + 1) + (right.includes(i) ? ':' : '-')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The throughput table: one row per case, CPU per resource compared with the transaction's. */
export function throughputTable(cases: readonly CaseTotals[], transaction: CaseTotals): string {
  const rows = cases.map((c) => [
    c.name,
    String(c.connections),
    fmt(c.resources),
    fmt(c.resourcesPerSec),
    fmt(c.wallMsPerResource, 3),
    c.cpuUsPerResource === undefined ? 'n/a' : fmt(c.cpuUsPerResource),
    c === transaction || c.cpuUsPerResource === undefined || transaction.cpuUsPerResource === undefined ? '' : pct(transaction.cpuUsPerResource / c.cpuUsPerResource),
  ]);
  return mdTable(['case', 'connections', 'resources', 'resources/s', 'wall ms/resource', 'server CPU µs/resource', 'transaction CPU/resource ÷ this'], rows, [1, 2, 3, 4, 5, 6]);
}

export const mib = (bytes: number): number => bytes / 1024 ** 2;

/** One row of the memory table: a figure in MiB and its multiple of the bundle size. */
export function memoryRow(label: string, bytes: number, bundleBytes: number, verdict = ''): string[] {
  return [label, fmt(mib(bytes), 1), `${(bytes / bundleBytes).toFixed(2)}×`, verdict];
}
