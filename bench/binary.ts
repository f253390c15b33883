/**
 * `npm run bench:binary`: upload and download throughput of one large Binary (BENCH_BINARY_MB, default
 * 1024 MiB) against Relay as a child process on loopback, beside a raw file write (write stream + fsync)
 * and a raw file read of the same size on the same disk in the same run, and Relay's resident memory
 * (VmRSS, sampled every ~10 ms) during the upload. The content is generated on the fly from a seed, never
 * held in memory. Prints a table and writes bench/results/binary-latest.json. Exits non-zero only when
 * something broke (a server did not start, an upload was refused, a download was not byte-identical),
 * never for a missed target.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ROOT, withServers, type Running } from './lib/servers';
import { resident, RssSampler } from './lib/memory';
import { MP4_HEADER, SeededContent } from '../test/helpers/binary-files';

const MiB = 1024 * 1024;
const SEED = 20_261_125;
const RESULTS = path.join(ROOT, 'bench', 'results', 'binary-latest.json');
const UPLOAD_TARGET = 0.5;
const RSS_TARGET_MIB = 64;
const SAMPLE_MS = 10;

function sizeMiB(): number {
  const raw = process.env.BENCH_BINARY_MB?.trim();
  if (!raw) return 1024;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_BINARY_MB=${raw}: expected a whole number of MiB ≥ 1`);
  return n;
}

interface Transfer {
  name: string;
  bytes: number;
  seconds: number;
  mibPerSec: number;
  /** SHA-256 of the bytes read back (reads only). */
  sha256?: string;
}

const transfer = (name: string, bytes: number, startNs: bigint, sha256?: string): Transfer => {
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  return { name, bytes, seconds: Math.round(seconds * 1000) / 1000, mibPerSec: Math.round((bytes / MiB / seconds) * 10) / 10, ...(sha256 ? { sha256 } : {}) };
};

/**
 * Writes the content to `file` through a write stream, then fsyncs the file (through a second descriptor:
 * fsync flushes the file's data whichever descriptor names it): the baseline an upload is compared with.
 */
async function rawWrite(file: string, content: SeededContent): Promise<Transfer> {
  const start = process.hrtime.bigint();
  await pipeline(content.stream(), createWriteStream(file));
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return transfer('raw file write + fsync', content.size, start);
}

/** Reads `file` through a read stream, hashing it as the download is hashed: the baseline a download is compared with. */
async function rawRead(file: string, size: number): Promise<Transfer> {
  const start = process.hrtime.bigint();
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    bytes += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  if (bytes !== size) throw new Error(`raw read got ${bytes} bytes of ${size}`);
  return transfer('raw file read', bytes, start, hash.digest('hex'));
}

/** POSTs the content raw to /fhir/Binary; resolves with the new id once the 201 has fully arrived. */
async function upload(origin: string, content: SeededContent, contentType: string): Promise<{ id: string; figures: Transfer }> {
  const start = process.hrtime.bigint();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(`${origin}/fhir/Binary`, { method: 'POST', headers: { 'content-type': contentType, 'content-length': String(content.size), accept: 'application/fhir+json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    content.stream().pipe(req);
  });
  const figures = transfer('Relay upload (POST /fhir/Binary)', content.size, start);
  if (answer.status !== 201) throw new Error(`upload answered ${answer.status}: ${answer.body.slice(0, 500)}`);
  const id = (JSON.parse(answer.body) as { id?: string }).id;
  if (!id) throw new Error(`upload answered 201 without an id: ${answer.body.slice(0, 500)}`);
  return { id, figures };
}

/** GETs the raw content and hashes it as it arrives. */
function download(origin: string, id: string, size: number): Promise<Transfer> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}/fhir/Binary/${id}`, { headers: { accept: '*/*' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`download answered ${res.statusCode}`));
      }
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      res.once('error', reject);
      res.once('end', () => (bytes === size ? resolve(transfer('Relay download (GET /fhir/Binary/[id])', bytes, start, hash.digest('hex'))) : reject(new Error(`download got ${bytes} bytes of ${size}`))));
    });
    req.once('error', reject);
  });
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const mib = (kib: number) => kib / 1024;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function bench(running: Running, sizeMib: number): Promise<void> {
  const { relay, relayUrl } = running;
  console.log(`Relay pid ${relay.pid}: ${relay.readyLine}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'relay-binary-bench-'));
  const removeWork = () => rmSync(work, { recursive: true, force: true });
  // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by npm/tsx), and a
  // second signal with no listener left would kill it before the servers are stopped and the files removed.
  process.on('SIGINT', removeWork);
  process.on('SIGTERM', removeWork);
  try {
    // Sanity: a small upload round-trips, so a failure below is about size, not about the route.
    const small = new SeededContent(SEED + 1, 100_000, MP4_HEADER);
    const smallUp = await upload(relayUrl, small, 'video/mp4');
    const smallDown = await download(relayUrl, smallUp.id, small.size);
    if (smallDown.sha256 !== small.sha256()) throw new Error('a 100 kB Binary did not download byte-identical');

    const content = new SeededContent(SEED, sizeMib * MiB, MP4_HEADER);
    const expected = content.sha256();
    console.log(`content: ${fmt(sizeMib, 0)} MiB video/mp4, seed ${SEED}, SHA-256 ${expected}`);
    const file = path.join(work, 'raw.bin');

    const write = await rawWrite(file, content);
    console.log(`${write.name}: ${fmt(write.mibPerSec)} MiB/s`);

    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = resident(relay.pid);
    const uploadRss = new RssSampler(relay.pid, SAMPLE_MS, 1000);
    let up: Awaited<ReturnType<typeof upload>>;
    try {
      up = await upload(relayUrl, content, 'video/mp4');
    } finally {
      uploadRss.stop();
    }
    const afterUpload = resident(relay.pid);
    console.log(`${up.figures.name}: ${fmt(up.figures.mibPerSec)} MiB/s`);

    const downloadRss = new RssSampler(relay.pid, SAMPLE_MS, 1000);
    let down: Transfer;
    try {
      down = await download(relayUrl, up.id, content.size);
    } finally {
      downloadRss.stop();
    }
    if (down.sha256 !== expected) throw new Error(`the download is not byte-identical: SHA-256 ${down.sha256}, uploaded ${expected}`);
    console.log(`${down.name}: ${fmt(down.mibPerSec)} MiB/s (byte-identical)`);

    const read = await rawRead(file, content.size);
    if (read.sha256 !== expected) throw new Error(`the raw file read back differs: SHA-256 ${read.sha256}, written ${expected}`);
    console.log(`${read.name}: ${fmt(read.mibPerSec)} MiB/s`);

    const uploadRatio = up.figures.mibPerSec / write.mibPerSec;
    const downloadRatio = down.mibPerSec / read.mibPerSec;
    const beforeKiB = before?.rss ?? 0;
    const growthMiB = before ? mib(uploadRss.peakKiB - beforeKiB) : undefined;
    const rows = [
      ['case', 'MiB', 'seconds', 'MiB/s', 'vs baseline', 'target'],
      [write.name, fmt(sizeMib, 0), fmt(write.seconds, 2), fmt(write.mibPerSec), '(baseline)', ''],
      [up.figures.name, fmt(sizeMib, 0), fmt(up.figures.seconds, 2), fmt(up.figures.mibPerSec), `${pct(uploadRatio)} of raw write`, `≥ ${UPLOAD_TARGET * 100}%: ${uploadRatio >= UPLOAD_TARGET ? 'PASS' : 'FAIL'}`],
      [read.name, fmt(sizeMib, 0), fmt(read.seconds, 2), fmt(read.mibPerSec), '(baseline)', ''],
      [down.name, fmt(sizeMib, 0), fmt(down.seconds, 2), fmt(down.mibPerSec), `${pct(downloadRatio)} of raw read`, '(no target)'],
    ];
    console.log(`\n${table(rows)}\n`);
    if (growthMiB === undefined) console.log('Relay VmRSS: not available (no /proc on this system)');
    else {
      console.log(
        `Relay VmRSS during the upload: ${fmt(mib(beforeKiB))} MiB before, peak ${fmt(mib(uploadRss.peakKiB))} MiB ` +
          `(+${fmt(growthMiB)} MiB; target < ${RSS_TARGET_MIB} MiB: ${growthMiB < RSS_TARGET_MIB ? 'PASS' : 'FAIL'}), ` +
          `${fmt(mib(afterUpload?.rss ?? 0))} MiB after; ${uploadRss.samples} samples (every ~${SAMPLE_MS} ms)`,
      );
      console.log(`Relay VmHWM (the kernel's own peak since start): ${fmt(mib(before?.hwm ?? 0))} MiB before the upload, ${fmt(mib(afterUpload?.hwm ?? 0))} MiB after it`);
      console.log(`Relay VmRSS during the download: peak ${fmt(mib(downloadRss.peakKiB))} MiB (+${fmt(mib(downloadRss.peakKiB - (afterUpload?.rss ?? 0)))} MiB over the level after the upload)`);
    }
    console.log(`load average at the end: ${os.loadavg().map((n) => n.toFixed(2)).join(' / ')}`);

    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: `${os.cpus()[0]?.model.trim() ?? 'unknown'} × ${os.cpus().length}`,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      sizeMiB: sizeMib,
      seed: SEED,
      sha256: expected,
      cases: { rawWrite: write, upload: up.figures, download: down, rawRead: read },
      ratios: { uploadVsRawWrite: Math.round(uploadRatio * 1000) / 1000, downloadVsRawRead: Math.round(downloadRatio * 1000) / 1000 },
      targets: { upload: { target: UPLOAD_TARGET, pass: uploadRatio >= UPLOAD_TARGET }, rssGrowthMiB: { target: RSS_TARGET_MIB, value: growthMiB, pass: growthMiB === undefined ? null : growthMiB < RSS_TARGET_MIB } },
      rss: {
        beforeUploadKiB: before ?? null,
        afterUploadKiB: afterUpload ?? null,
        uploadPeakKiB: uploadRss.peakKiB,
        uploadSamples: uploadRss.samples,
        uploadTrace: uploadRss.trace,
        downloadPeakKiB: downloadRss.peakKiB,
      },
      loadAvgAtEnd: os.loadavg(),
    };
    await mkdir(path.dirname(RESULTS), { recursive: true });
    await writeFile(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`summary written to ${path.relative(ROOT, RESULTS)}`);
  } finally {
    removeWork();
    process.off('SIGINT', removeWork);
    process.off('SIGTERM', removeWork);
  }
}

async function main(): Promise<void> {
  const sizeMib = sizeMiB();
  console.log(`Relay Binary bench — ${new Date().toISOString()}`);
  console.log(`Node ${process.version}; ${os.cpus()[0]?.model.trim()} × ${os.cpus().length}; load average ${os.loadavg().map((n) => n.toFixed(2)).join(' / ')}`);
  const maxUpload = `${Math.max(2048, sizeMib + 64)}mb`;
  await withServers({ raw: false, relayEnv: { RELAY_MAX_UPLOAD: maxUpload } }, (running) => bench(running, sizeMib));
}

main().catch((err: unknown) => {
  console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
