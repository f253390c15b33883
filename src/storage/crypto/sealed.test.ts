/**
 * The sealed format on its own, with tiny chunks so that every edge (empty content, exact multiples of
 * the chunk size, ranges on chunk boundaries) is reached with a few bytes: random content split randomly
 * on the way in, random ranges on the way out, and tampering at every position.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { parseKeyFile } from './keys';
import { BlobIntegrityError, isSealed, openChunks, parseHeader, planRead, plaintextSize, SealStream } from './sealed';
import type { ByteRange } from '../blobs';

const ring = parseKeyFile({ current: 'k1', keys: { k1: Buffer.alloc(32, 1).toString('base64') } }, 'test');

async function seal(parts: Buffer[], chunkSize: number): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(parts),
    new SealStream(ring, chunkSize),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

/** Reads `range` (or all) from a sealed blob held in memory, fed to the reader in pieces of `piece` bytes. */
async function open(stored: Buffer, range?: ByteRange, piece = 7): Promise<Buffer> {
  const header = parseHeader(stored, 'test');
  const size = plaintextSize(header, stored.length, 'test');
  const plan = planRead(header, stored.length, size, range);
  const slice = plan.count === 0 ? Buffer.alloc(0) : stored.subarray(plan.from, plan.to + 1);
  const pieces: Buffer[] = [];
  for (let i = 0; i < slice.length; i += piece) pieces.push(slice.subarray(i, i + piece));
  const out: Buffer[] = [];
  for await (const b of openChunks(Readable.from(pieces), header, ring.key(header.keyId), plan, 'test')) out.push(b);
  return Buffer.concat(out);
}

const splitAt = (b: Buffer, cuts: number[]) => {
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    parts.push(b.subarray(from, c));
    from = c;
  }
  parts.push(b.subarray(from));
  return parts.filter((p) => p.length > 0);
};

describe('sealed blob format', () => {
  it('round-trips any content, split anyhow, read whole or by any range', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 64 }), async (raw, cuts, chunkSize, a, b, piece) => {
        const content = Buffer.from(raw);
        const stored = await seal(splitAt(content, cuts), chunkSize);
        expect(isSealed(stored)).toBe(true);
        const header = parseHeader(stored, 'test');
        expect(plaintextSize(header, stored.length, 'test')).toBe(content.length);
        expect(stored.length).toBe(header.bytes.length + content.length + 16 * Math.max(1, Math.ceil(content.length / chunkSize)));
        expect((await open(stored, undefined, piece)).equals(content)).toBe(true);
        if (content.length > 0) {
          const start = a % content.length;
          const end = start + (b % (content.length - start));
          expect((await open(stored, { start, end }, piece)).equals(content.subarray(start, end + 1))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fails on any modified byte, and on any truncation or extension', async () => {
    const content = Buffer.from(Array.from({ length: 50 }, (_, i) => i));
    for (const chunkSize of [10, 16, 50, 64]) {
      const stored = await seal([content], chunkSize);
      for (let i = 0; i < stored.length; i++) {
        const bad = Buffer.from(stored);
        bad[i] ^= 0x01;
        await expect(open(bad)).rejects.toThrow();
      }
      for (let n = 1; n < stored.length; n++) {
        await expect(open(stored.subarray(0, stored.length - n))).rejects.toThrow();
      }
      for (const extra of [1, 16, chunkSize + 16]) {
        await expect(open(Buffer.concat([stored, Buffer.alloc(extra)]))).rejects.toBeInstanceOf(BlobIntegrityError);
      }
    }
  });

  it('refuses a chunk moved from another blob sealed with the same key (each blob has its own nonce and key)', async () => {
    const content = Buffer.alloc(40, 9);
    const one = await seal([content], 10);
    const two = await seal([content], 10);
    const h = parseHeader(one, 'test').bytes.length;
    const mixed = Buffer.concat([one.subarray(0, h + 26), two.subarray(h + 26)]);
    await expect(open(mixed)).rejects.toBeInstanceOf(BlobIntegrityError);
  });
});
