/** The printed table and the JSON summary. */
import { round, type CaseFigures } from './load';

export interface Row extends CaseFigures {
  /** Name of the baseline case this one is compared with, if any. */
  baseline?: string;
  ratio?: number;
  /** Baseline CPU µs/req ÷ this case's: the throughput ratio if each server had the CPU to itself. */
  cpuRatio?: number;
  target?: number;
  pass?: boolean;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A ratio as a percentage with one decimal, so 24.7% never prints as a passing-looking 25%. */
export const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

export function compare(row: CaseFigures, baseline: CaseFigures, target?: number): Row {
  const ratio = baseline.reqPerSec > 0 ? round(row.reqPerSec / baseline.reqPerSec, 4) : 0;
  const cpuRatio = row.cpuUsPerReq && baseline.cpuUsPerReq ? round(baseline.cpuUsPerReq / row.cpuUsPerReq, 4) : undefined;
  return { ...row, baseline: baseline.name, ratio, ...(cpuRatio === undefined ? {} : { cpuRatio }), ...(target === undefined ? {} : { target, pass: ratio >= target }) };
}

/** A Markdown table (readable in a terminal and pasteable into bench/README.md). */
export function table(rows: Row[]): string {
  const head = ['case', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'req/s vs baseline', 'target', 'server CPU µs/req', 'CPU-cost ratio'];
  const body = rows.map((r) => [
    r.name,
    fmt(r.reqPerSec),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.non2xx) + (r.errors + r.timeouts ? ` (+${r.errors} errors, ${r.timeouts} timeouts)` : ''),
    r.ratio === undefined ? '(baseline)' : `${pct(r.ratio)} of ${r.baseline}`,
    r.target === undefined ? '' : `≥ ${fmt(r.target * 100)}%: ${r.pass ? 'PASS' : 'FAIL'}`,
    r.cpuUsPerReq === undefined ? 'n/a' : fmt(r.cpuUsPerReq),
    r.cpuRatio === undefined ? '' : pct(r.cpuRatio),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
