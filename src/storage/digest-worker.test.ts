import { createHash, randomBytes } from 'node:crypto';
import { WorkerDigest } from './digest-worker';

describe('hashing on the worker thread', () => {
  it('gives the SHA-256 (hex) and SHA-1 (base64) of everything fed, in order, for many digests at once', async () => {
    const runs = Array.from({ length: 5 }, (_, i) => {
      const chunks = Array.from({ length: 20 + i }, (_, j) => randomBytes(1 + ((j * 7919) % 70_000)));
      const digest = new WorkerDigest();
      for (const c of chunks) void digest.update(c);
      const whole = Buffer.concat(chunks);
      return { digest, sha256: createHash('sha256').update(whole).digest('hex'), sha1: createHash('sha1').update(whole).digest('base64') };
    });
    for (const r of runs) expect(await r.digest.result()).toEqual({ sha256: r.sha256, sha1: r.sha1 });
  });

  it('asks the caller to wait once too much is in flight, and lets it go on when the worker catches up', async () => {
    const digest = new WorkerDigest();
    const chunk = randomBytes(1 << 20);
    const hash = createHash('sha256');
    let waited = 0;
    for (let i = 0; i < 32; i++) {
      hash.update(chunk);
      const wait = digest.update(chunk);
      if (wait) {
        waited++;
        await wait;
      }
    }
    expect(waited).toBeGreaterThan(0);
    expect((await digest.result()).sha256).toBe(hash.digest('hex'));
  });

  it('feeds a chunk larger than the shared ring in pieces, and the result waits for all of them', async () => {
    const big = randomBytes(9 * 1024 * 1024 + 17);
    const digest = new WorkerDigest();
    void digest.update(big);
    void digest.update(Buffer.from('tail'));
    const expected = createHash('sha256').update(big).update('tail').digest('hex');
    expect((await digest.result()).sha256).toBe(expected);
  });

  it('hashes empty content, and a copy of each chunk (the caller may reuse its buffer)', async () => {
    expect((await new WorkerDigest().result()).sha256).toBe(createHash('sha256').digest('hex'));
    const digest = new WorkerDigest();
    const buf = Buffer.from('abc');
    void digest.update(buf);
    buf.fill(0);
    expect((await digest.result()).sha1).toBe(createHash('sha1').update('abc').digest('base64'));
  });
});
