/**
 * Acceptance of issue 6 (Binary): large raw uploads streamed to the blob store and served back
 * byte-identical, range requests (RFC 7233) and conditional reads, upload limits, aborted uploads,
 * content-addressed storage, the retention sweep, and the FHIR JSON form of a Binary. Written to
 * scratch/issue6-contract.md. Big bodies go over node:http against the real listening server (not
 * supertest) and are hashed while they stream; content is seeded (BINARY_SEED replays a run).
 */
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { makeDataDir, startServerProcess, startTestApp, type ServerProcess, type TestApp } from './helpers/test-app';
import {
  blobFiles,
  blobPath,
  countOf,
  downloadDigest,
  get,
  MP4_HEADER,
  postBinary,
  SeededContent,
  seededBytes,
  send,
  sha256Hex,
  tmpFiles,
  waitFor,
  type Answer,
} from './helpers/binary-files';

const SEED = process.env.BINARY_SEED ? Number(process.env.BINARY_SEED) : 60_606;
const MiB = 1024 * 1024;
const FHIR = 'application/fhir+json';
const BASE = 'http://relay.test/fhir';

/** Fails with the status and the start of the body when `res` is not `status` (so a failure shows the server's answer). */
function expectStatus(res: Answer, status: number): void {
  if (res.status !== status) throw new Error(`expected HTTP ${status}, got ${res.status}: ${res.body.toString('utf8').slice(0, 600)}`);
}

/** The id of the Binary a 201 created (checked against the Location header). */
function createdId(res: Answer, base = BASE): string {
  expectStatus(res, 201);
  const id = res.json?.id;
  expect(typeof id).toBe('string');
  expect(res.headers.location).toBe(`${base}/Binary/${id}/_history/1`);
  return id as string;
}

const issuesOf = (res: Answer) => (res.json?.issue ?? []) as { severity: string; code: string; diagnostics?: string; details?: { text?: string }; expression?: string[] }[];

describe('Binary: large uploads, ranges and the FHIR JSON form', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ binaryInlineMaxBytes: 4096 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it(
    'stores a generated 200 MB video/mp4 upload streamed in, and serves it back byte-identical with a range at its end',
    async () => {
      const size = 200 * MiB;
      const content = new SeededContent(SEED, size, MP4_HEADER);
      const expected = content.sha256();
      const up = await postBinary(t.origin, 'video/mp4', content);
      const id = createdId(up);
      expect(up.headers.etag).toBe('W/"1"');
      expect(up.json).toEqual({ resourceType: 'Binary', id, meta: { versionId: '1', lastUpdated: expect.any(String) }, contentType: 'video/mp4' });

      const down = await downloadDigest(t.origin, `/fhir/Binary/${id}`);
      expect({ status: down.status, type: down.headers['content-type'], length: down.headers['content-length'], bytes: down.bytes, sha256: down.sha256 }).toEqual({
        status: 200,
        type: 'video/mp4',
        length: String(size),
        bytes: size,
        sha256: expected,
      });

      // Stored once under its SHA-256, and nothing left behind in tmp/.
      expect(await blobFiles(t.dataDir)).toContain(blobPath(expected));
      // Encrypted at rest: the header, then each 64 KiB chunk with its 16-byte tag (src/storage/crypto/sealed.ts).
      expect((await fs.stat(path.join(t.dataDir, 'blobs', blobPath(expected)))).size).toBe(sealedSize(size, path.join(t.dataDir, 'blob-keys.json')));
      expect(await tmpFiles(t.dataDir)).toEqual([]);

      const tail = await get(t.origin, `/fhir/Binary/${id}`, { range: `bytes=${size - 70_000}-${size - 1}` });
      expectStatus(tail, 206);
      expect(tail.headers['content-range']).toBe(`bytes ${size - 70_000}-${size - 1}/${size}`);
      expect(tail.body.equals(content.slice(size - 70_000, size))).toBe(true);
    },
    180_000,
  );

  describe('range requests and conditional reads on a 3 MB Binary', () => {
    const size = 3 * MiB + 17;
    const content = new SeededContent(SEED + 1, size);
    let id: string;
    let url: string;
    beforeAll(async () => {
      id = createdId(await postBinary(t.origin, 'application/octet-stream', content.slice(0, size)));
      url = `/fhir/Binary/${id}`;
    });

    it('serves the whole content with Content-Type, Content-Length, ETag, Last-Modified and Accept-Ranges', async () => {
      const res = await get(t.origin, url);
      expectStatus(res, 200);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['content-length']).toBe(String(size));
      expect(res.headers.etag).toBe('W/"1"');
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(Number.isNaN(Date.parse(String(res.headers['last-modified'])))).toBe(false);
      expect(sha256Hex(res.body)).toBe(sha256Hex(content.slice(0, size)));
    });

    const ranges: [string, string, number, number][] = [
      ['the first bytes', 'bytes=0-99', 0, 99],
      ['a middle range across chunk boundaries', 'bytes=1000000-1199999', 1_000_000, 1_199_999],
      ['the last bytes', `bytes=${size - 100}-${size - 1}`, size - 100, size - 1],
      ['a range whose end lies past the content, clamped to the last byte', `bytes=${size - 10}-${size + 5000}`, size - 10, size - 1],
      ['a suffix range (the last 500 bytes)', 'bytes=-500', size - 500, size - 1],
      ['a suffix range longer than the content (all of it)', `bytes=-${size + 10}`, 0, size - 1],
      ['an open range (from an offset to the end)', 'bytes=2000000-', 2_000_000, size - 1],
      ['a single byte', 'bytes=12345-12345', 12_345, 12_345],
    ];
    it.each(ranges)('answers 206 with exactly %s', async (_name, header, first, last) => {
      const res = await get(t.origin, url, { range: header });
      expectStatus(res, 206);
      expect(res.headers['content-range']).toBe(`bytes ${first}-${last}/${size}`);
      expect(res.headers['content-length']).toBe(String(last - first + 1));
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.body.length).toBe(last - first + 1);
      expect(res.body.equals(content.slice(first, last + 1))).toBe(true);
    });

    it.each([
      ['a start at the size', `bytes=${size}-`],
      ['a start past the size', `bytes=${size + 1000}-${size + 2000}`],
      ['an empty suffix (-0)', 'bytes=-0'],
    ])('answers 416 with Content-Range bytes */size and an OperationOutcome for %s', async (_name, header) => {
      const res = await get(t.origin, url, { range: header });
      expectStatus(res, 416);
      expect(res.headers['content-range']).toBe(`bytes */${size}`);
      expect(res.json?.resourceType).toBe('OperationOutcome');
    });

    it('answers several ranges with 200 and the whole content', async () => {
      const res = await get(t.origin, url, { range: 'bytes=0-9,100-199' });
      expectStatus(res, 200);
      expect(res.headers['content-range']).toBeUndefined();
      expect(res.body.length).toBe(size);
      expect(sha256Hex(res.body)).toBe(sha256Hex(content.slice(0, size)));
    });

    it('answers 304 with no body to If-None-Match with the current ETag, and 200 to another ETag', async () => {
      const same = await get(t.origin, url, { 'if-none-match': 'W/"1"' });
      expectStatus(same, 304);
      expect(same.body.length).toBe(0);
      const other = await get(t.origin, url, { 'if-none-match': 'W/"7"' });
      expectStatus(other, 200);
      expect(other.body.length).toBe(size);
    });
  });

  describe('the FHIR JSON form', () => {
    it('carries base64 data up to binaryInlineMaxBytes and none above it', async () => {
      const atLimit = seededBytes(SEED + 2, 4096);
      const above = seededBytes(SEED + 3, 4097);
      const small = createdId(await postBinary(t.origin, 'application/octet-stream', atLimit));
      const big = createdId(await postBinary(t.origin, 'application/octet-stream', above));

      const smallJson = await get(t.origin, `/fhir/Binary/${small}`, { accept: FHIR });
      expectStatus(smallJson, 200);
      expect(smallJson.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(smallJson.json).toMatchObject({ resourceType: 'Binary', id: small, contentType: 'application/octet-stream', data: atLimit.toString('base64') });

      const bigJson = await get(t.origin, `/fhir/Binary/${big}?_format=json`);
      expectStatus(bigJson, 200);
      expect(bigJson.json).toMatchObject({ resourceType: 'Binary', id: big, contentType: 'application/octet-stream' });
      expect(bigJson.json).not.toHaveProperty('data');

      const asJson = await get(t.origin, `/fhir/Binary/${small}`, { accept: 'application/json' });
      expect(asJson.json).toMatchObject({ resourceType: 'Binary', data: atLimit.toString('base64') });
    });

    it('serves the raw bytes to an Accept of the stored type or */*', async () => {
      const bytes = seededBytes(SEED + 4, 1000);
      const id = createdId(await postBinary(t.origin, 'text/plain', bytes));
      for (const accept of ['text/plain', '*/*']) {
        const res = await get(t.origin, `/fhir/Binary/${id}`, { accept });
        expectStatus(res, 200);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        expect(res.body.equals(bytes)).toBe(true);
      }
    });

    it('accepts a JSON Binary with base64 data and serves its decoded bytes raw', async () => {
      const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), seededBytes(SEED + 5, 3000)]);
      const res = await send(t.origin, 'POST', '/fhir/Binary', Buffer.from(JSON.stringify({ resourceType: 'Binary', contentType: 'application/pdf', data: bytes.toString('base64') })), { 'content-type': FHIR });
      const id = createdId(res);
      const raw = await get(t.origin, `/fhir/Binary/${id}`);
      expectStatus(raw, 200);
      expect(raw.headers['content-type']).toBe('application/pdf');
      expect(raw.body.equals(bytes)).toBe(true);
    });

    it('replaces the content on PUT as a new version, and keeps the old version readable', async () => {
      const v1 = seededBytes(SEED + 6, 2000);
      const v2 = seededBytes(SEED + 7, 2500);
      const id = createdId(await postBinary(t.origin, 'application/octet-stream', v1));
      const put = await send(t.origin, 'PUT', `/fhir/Binary/${id}`, v2, { 'content-type': 'application/octet-stream' });
      expectStatus(put, 200);
      expect(put.headers.etag).toBe('W/"2"');
      const now = await get(t.origin, `/fhir/Binary/${id}`);
      expect(now.headers.etag).toBe('W/"2"');
      expect(now.body.equals(v2)).toBe(true);
      const old = await get(t.origin, `/fhir/Binary/${id}/_history/1`);
      expectStatus(old, 200);
      expect(old.body.equals(v1)).toBe(true);
    });
    it('does not PATCH Binary content (405 or 400), and leaves the Binary unchanged', async () => {
      const bytes = seededBytes(SEED + 13, 1500);
      const id = createdId(await postBinary(t.origin, 'application/octet-stream', bytes));
      const patch = Buffer.from(JSON.stringify([{ op: 'replace', path: '/contentType', value: 'text/plain' }]));
      const res = await send(t.origin, 'PATCH', `/fhir/Binary/${id}`, patch, { 'content-type': 'application/json-patch+json' });
      expect([400, 405]).toContain(res.status);
      expect(res.json?.resourceType).toBe('OperationOutcome');
      const now = await get(t.origin, `/fhir/Binary/${id}`);
      expect({ etag: now.headers.etag, type: now.headers['content-type'], same: now.body.equals(bytes) }).toEqual({ etag: 'W/"1"', type: 'application/octet-stream', same: true });
    });
  });

  describe('content-addressed storage', () => {
    it('stores identical uploads once: two Binaries, one content file named by its SHA-256', async () => {
      const bytes = seededBytes(SEED + 8, 300_000);
      const sha = sha256Hex(bytes);
      const before = await blobFiles(t.dataDir);
      const a = createdId(await postBinary(t.origin, 'application/octet-stream', bytes));
      const b = createdId(await postBinary(t.origin, 'application/octet-stream', bytes));
      expect(a).not.toBe(b);
      const after = await blobFiles(t.dataDir);
      expect(after.filter((f) => !before.includes(f))).toEqual([blobPath(sha)]);
      for (const id of [a, b]) expect((await get(t.origin, `/fhir/Binary/${id}`)).body.equals(bytes)).toBe(true);

      const other = seededBytes(SEED + 9, 300_000);
      createdId(await postBinary(t.origin, 'application/octet-stream', other));
      expect((await blobFiles(t.dataDir)).filter((f) => !after.includes(f))).toEqual([blobPath(sha256Hex(other))]);
    });

    it('stores four identical uploads sent at the same time once, and leaves nothing in blobs/tmp', async () => {
      const content = new SeededContent(SEED + 12, 3 * MiB + 5);
      const before = await blobFiles(t.dataDir);
      const answers = await Promise.all([0, 1, 2, 3].map(() => postBinary(t.origin, 'application/octet-stream', content)));
      const ids = answers.map((a) => createdId(a));
      expect(new Set(ids).size).toBe(4);
      expect((await blobFiles(t.dataDir)).filter((f) => !before.includes(f))).toEqual([blobPath(content.sha256())]);
      expect(await tmpFiles(t.dataDir)).toEqual([]);
      for (const id of ids) expect((await downloadDigest(t.origin, `/fhir/Binary/${id}`)).sha256).toBe(content.sha256());
    });
  });

  describe('an upload the client aborts', () => {
    it(
      'streams to blobs/tmp while in flight, then leaves no Binary and no blob once the client disconnects',
      async () => {
        const binariesBefore = await countOf(t.origin, 'Binary');
        const blobsBefore = await blobFiles(t.dataDir);
        const content = new SeededContent(SEED + 10, 8 * MiB);
        const req = http.request(`${t.origin}/fhir/Binary`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(content.size) } });
        const answered: { status?: number } = {};
        req.on('response', (res) => {
          answered.status = res.statusCode;
          res.resume();
        });
        req.on('error', () => undefined); // the abort below
        for (let off = 0; off < 2 * MiB; off += 64 * 1024) req.write(content.slice(off, off + 64 * 1024));
        const tmpBytes = async () => {
          let total = 0;
          for (const f of await tmpFiles(t.dataDir)) total += (await fs.stat(path.join(t.dataDir, 'blobs', 'tmp', f)).catch(() => ({ size: 0 }))).size;
          return total;
        };
        await waitFor('part of the body to reach a file in blobs/tmp (the body must stream to disk, not be buffered)', async () => (await tmpBytes()) > 0, 10_000);
        req.destroy();

        await waitFor('blobs/tmp to be emptied after the abort', async () => (await tmpFiles(t.dataDir)).length === 0, 10_000, async () => (await tmpFiles(t.dataDir)).join(', '));
        expect(answered.status).toBeUndefined();
        expect(await blobFiles(t.dataDir)).toEqual(blobsBefore);
        expect(await countOf(t.origin, 'Binary')).toBe(binariesBefore);
        // The server is still fine.
        createdId(await postBinary(t.origin, 'application/octet-stream', seededBytes(SEED + 11, 1000)));
      },
      30_000,
    );
  });
});

describe('Binary upload limit (maxUploadBytes)', () => {
  const LIMIT = 64 * 1024;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ maxUploadBytes: LIMIT });
  });
  afterAll(async () => {
    await t?.close();
  });

  function expectTooLarge(res: Answer): void {
    expectStatus(res, 413);
    expect(res.json?.resourceType).toBe('OperationOutcome');
    expect(issuesOf(res).map((i) => `${i.diagnostics ?? ''} ${i.details?.text ?? ''}`).join(' ')).toMatch(/RELAY_MAX_UPLOAD/);
  }

  it('accepts a body of exactly the limit', async () => {
    const bytes = seededBytes(SEED + 20, LIMIT);
    const res = await postBinary(t.origin, 'application/octet-stream', bytes);
    expectStatus(res, 201);
    expect((await get(t.origin, `/fhir/Binary/${res.json?.id}`)).body.equals(bytes)).toBe(true);
  });

  it('answers 413 to a declared Content-Length above the limit without waiting for the body', async () => {
    const before = await countOf(t.origin, 'Binary');
    const blobs = await blobFiles(t.dataDir);
    // Headers only: the body is never sent, so a server that waited for it would never answer.
    const res = await new Promise<Answer>((resolve, reject) => {
      const req = http.request(`${t.origin}/fhir/Binary`, { method: 'POST', headers: { 'content-type': 'video/mp4', 'content-length': String(LIMIT + 1) } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.once('end', () => {
          clearTimeout(timer);
          req.destroy();
          const body = Buffer.concat(chunks);
          resolve({ status: r.statusCode ?? 0, headers: r.headers, body, json: body.length ? JSON.parse(body.toString('utf8')) : undefined });
        });
      });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error('no answer within 5 s to a too-large declared Content-Length while the body was withheld: the server waits for the body'));
      }, 5_000);
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.flushHeaders();
    });
    expectTooLarge(res);
    expect(await countOf(t.origin, 'Binary')).toBe(before);
    expect(await blobFiles(t.dataDir)).toEqual(blobs);
  });

  it('answers 413 to a JSON Binary whose base64 data decodes to more than the limit', async () => {
    const before = await countOf(t.origin, 'Binary');
    const body = Buffer.from(JSON.stringify({ resourceType: 'Binary', contentType: 'application/octet-stream', data: seededBytes(SEED + 23, LIMIT + 1).toString('base64') }));
    expectTooLarge(await send(t.origin, 'POST', '/fhir/Binary', body, { 'content-type': FHIR }));
    expect(await countOf(t.origin, 'Binary')).toBe(before);
  });

  it('stores a chunked body (no Content-Length) under the limit', async () => {
    const content = new SeededContent(SEED + 21, LIMIT - 100);
    const res = await send(t.origin, 'POST', '/fhir/Binary', content.stream(), { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' });
    expectStatus(res, 201);
    expect(sha256Hex((await get(t.origin, `/fhir/Binary/${res.json?.id}`)).body)).toBe(content.sha256());
  });

  it('answers 413 to a chunked body that grows past the limit, and stores nothing', async () => {
    const before = await countOf(t.origin, 'Binary');
    const blobs = await blobFiles(t.dataDir);
    const content = new SeededContent(SEED + 22, 16 * LIMIT);
    const res = await new Promise<Answer>((resolve, reject) => {
      let done = false;
      const req = http.request(`${t.origin}/fhir/Binary`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.once('end', () => {
          done = true;
          const body = Buffer.concat(chunks);
          resolve({ status: r.statusCode ?? 0, headers: r.headers, body, json: body.length ? JSON.parse(body.toString('utf8')) : undefined });
        });
      });
      req.once('error', (err) => {
        if (!done) reject(new Error(`the connection failed before an answer arrived (${err.message}); expected a 413`));
      });
      // Write 8 KiB at a time, stopping as soon as the answer has come.
      let off = 0;
      const pump = () => {
        if (done || req.destroyed) return;
        if (off >= content.size) return void req.end();
        const piece = content.slice(off, Math.min(content.size, off + 8192));
        off += piece.length;
        if (req.write(piece)) setImmediate(pump);
        else req.once('drain', pump);
      };
      pump();
    });
    expectTooLarge(res);
    await waitFor('blobs/tmp to be emptied after the refused upload', async () => (await tmpFiles(t.dataDir)).length === 0, 10_000);
    expect(await countOf(t.origin, 'Binary')).toBe(before);
    expect(await blobFiles(t.dataDir)).toEqual(blobs);
  });
});

describe('freeing content after a Binary is deleted', () => {
  it(
    'removes the content of a deleted Binary after retention, and keeps content another Binary still references',
    async () => {
      const t = await startTestApp({ blobRetentionMs: 0, blobSweepMs: 100 });
      try {
        const shared = seededBytes(SEED + 30, 50_000);
        const alone = seededBytes(SEED + 31, 50_000);
        const a = createdId(await postBinary(t.origin, 'application/octet-stream', shared));
        const b = createdId(await postBinary(t.origin, 'application/octet-stream', shared));
        const c = createdId(await postBinary(t.origin, 'application/octet-stream', alone));
        expect(await blobFiles(t.dataDir)).toEqual([blobPath(sha256Hex(shared)), blobPath(sha256Hex(alone))].sort());

        // Delete a (whose content b shares) first, then c: the sweep that removes c's content ran after both deletes.
        expectStatus(await send(t.origin, 'DELETE', `/fhir/Binary/${a}`, undefined), 200);
        expectStatus(await send(t.origin, 'DELETE', `/fhir/Binary/${c}`, undefined), 200);
        await waitFor(
          "the deleted Binary's content file to be removed",
          async () => !(await blobFiles(t.dataDir)).includes(blobPath(sha256Hex(alone))),
          10_000,
          async () => (await blobFiles(t.dataDir)).join(', '),
        );
        expect(await blobFiles(t.dataDir)).toEqual([blobPath(sha256Hex(shared))]);
        expect((await get(t.origin, `/fhir/Binary/${b}`)).body.equals(shared)).toBe(true);
        expectStatus(await get(t.origin, `/fhir/Binary/${a}`), 410);

        // Replacing content with PUT leaves the old content unreferenced by any current version: it goes too.
        const replacement = seededBytes(SEED + 33, 50_000);
        expectStatus(await send(t.origin, 'PUT', `/fhir/Binary/${b}`, replacement, { 'content-type': 'application/octet-stream' }), 200);
        await waitFor(
          'the content a PUT replaced to be removed',
          async () => (await blobFiles(t.dataDir)).join() === blobPath(sha256Hex(replacement)),
          10_000,
          async () => (await blobFiles(t.dataDir)).join(', '),
        );
        expect((await get(t.origin, `/fhir/Binary/${b}`)).body.equals(replacement)).toBe(true);
      } finally {
        await t.close();
      }
    },
    30_000,
  );

  it(
    "keeps a deleted Binary's content, and its earlier version readable, while the retention has not passed",
    async () => {
      const t = await startTestApp({ blobRetentionMs: 60_000, blobSweepMs: 50 });
      try {
        const bytes = seededBytes(SEED + 32, 40_000);
        const id = createdId(await postBinary(t.origin, 'application/octet-stream', bytes));
        expectStatus(await send(t.origin, 'DELETE', `/fhir/Binary/${id}`, undefined), 200);
        // Ten sweep periods: a sweep that ignored the retention would have removed it by now.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await blobFiles(t.dataDir)).toEqual([blobPath(sha256Hex(bytes))]);
        const v1 = await get(t.origin, `/fhir/Binary/${id}/_history/1`);
        expectStatus(v1, 200);
        expect(v1.body.equals(bytes)).toBe(true);
      } finally {
        await t.close();
      }
    },
    30_000,
  );
});

describe('Binary content across a crash of the server process', () => {
  it(
    'serves an acknowledged upload byte-identical after SIGKILL and restart; an upload cut off by the crash leaves no Binary and no file in blobs/tmp',
    async () => {
      const dataDir = await makeDataDir();
      let server: ServerProcess | undefined;
      try {
        server = await startServerProcess({ RELAY_DATA_DIR: dataDir });
        let origin = server.baseUrl.replace(/\/fhir$/, '');
        const content = new SeededContent(SEED + 40, 20 * MiB, MP4_HEADER);
        const id = createdId(await postBinary(origin, 'video/mp4', content), server.baseUrl);

        // A second upload is in flight (part of its body already in blobs/tmp) when the process is killed.
        const cut = new SeededContent(SEED + 41, 16 * MiB);
        const req = http.request(`${origin}/fhir/Binary`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(cut.size) } });
        req.on('error', () => undefined);
        req.on('response', (res) => res.resume());
        req.write(cut.slice(0, 4 * MiB));
        await waitFor('part of the in-flight body to reach blobs/tmp', async () => (await tmpFiles(dataDir)).length > 0, 10_000);
        server.kill('SIGKILL');
        expect((await server.waitExit()).signal).toBe('SIGKILL');
        req.destroy();

        server = await startServerProcess({ RELAY_DATA_DIR: dataDir });
        origin = server.baseUrl.replace(/\/fhir$/, '');
        const down = await downloadDigest(origin, `/fhir/Binary/${id}`);
        expect({ status: down.status, bytes: down.bytes, sha256: down.sha256 }).toEqual({ status: 200, bytes: content.size, sha256: content.sha256() });
        expect(await countOf(origin, 'Binary')).toBe(1);
        expect(await blobFiles(dataDir)).toEqual([blobPath(content.sha256())]);
        await waitFor('the crashed upload\'s leftover file in blobs/tmp to be removed after the restart', async () => (await tmpFiles(dataDir)).length === 0, 10_000, async () =>
          (await tmpFiles(dataDir)).join(', '),
        );
      } finally {
        server?.kill('SIGKILL');
        await server?.waitExit();
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});

/** Bytes on disk of `size` bytes of content encrypted with the current key of `keyFile` (header: 26 bytes + key id). */
function sealedSize(size: number, keyFile: string): number {
  const current = (JSON.parse(readFileSync(keyFile, 'utf8')) as { current: string }).current;
  return 26 + current.length + size + 16 * Math.max(1, Math.ceil(size / 65536));
}
