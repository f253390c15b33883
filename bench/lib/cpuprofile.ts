/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file/package, and
 * inclusive time of Relay's own functions. `window` (µs on the monotonic clock that V8 and
 * process.hrtime share on Linux) keeps only the samples taken under load.
 */
import path from 'node:path';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function fileOf(url: string, root: string): string {
  if (!url) return '(native/VM)';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + '/node_modules/'.length).split('/');
    return `node_modules/${parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  return file.startsWith(root) ? path.relative(root, file) : file;
}

function top(map: Map<string, number>, total: number, n: number): string {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)
    .join('\n');
}

export function summarise(profile: CpuProfile, root: string, window?: { fromUs: number; toUs: number }, n = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const fnKey = (f: CallFrame) => `${f.functionName || '(anonymous)'}  ${fileOf(f.url, root)}${f.url && !f.url.endsWith('.ts') ? `:${f.lineNumber + 1}` : ''}`;

  const selfFn = new Map<string, number>();
  const selfFile = new Map<string, number>();
  const inclusiveSrc = new Map<string, number>();
  let total = 0;
  let t = profile.startTime;
  const inWindow = window && window.fromUs < profile.endTime && window.toUs > profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (inWindow && (t < window.fromUs || t > window.toUs)) continue;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    total += us;
    const key = fnKey(node.callFrame);
    selfFn.set(key, (selfFn.get(key) ?? 0) + us);
    const file = node.callFrame.url ? fileOf(node.callFrame.url, root) : node.callFrame.functionName;
    selfFile.set(file, (selfFile.get(file) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!fileOf(frame.url, root).startsWith('src/')) continue;
      const k = fnKey(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusiveSrc.set(k, (inclusiveSrc.get(k) ?? 0) + us);
    }
  }
  const idle = selfFn.get('(idle)  (native/VM)') ?? 0;
  return [
    `${(total / 1000).toFixed(0)} ms sampled${inWindow ? ' under load' : ' (whole process lifetime)'}, ${((idle / Math.max(total, 1)) * 100).toFixed(1)}% idle`,
    `\nself time by function:\n${top(selfFn, total, n)}`,
    `\nself time by file / package:\n${top(selfFile, total, 15)}`,
    `\ninclusive time of src/ functions:\n${top(inclusiveSrc, total, n)}`,
  ].join('\n');
}
