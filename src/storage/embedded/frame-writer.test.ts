import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { FrameWriter } from './frame-writer';
import { BATCH_MAGIC, crc32Combine, decodeFrames, encodeFrame, encodeRecord, RECORD_MAGIC } from './record';

describe('frames written as their text is made (frame-writer.ts)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-frames-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('combines checksums as zlib does: the CRC-32 of A then B from those of A and of B', () => {
    const a = Buffer.from('{"lsn":1,"ops":[');
    for (const b of [Buffer.alloc(0), Buffer.from('x'), Buffer.from('Zoë ✓ '.repeat(1000)), Buffer.alloc(70_000, 7)]) {
      expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
    }
  });

  it('writes exactly the bytes of a batch of records framed whole, whatever the buffer size, and leaves a valid file', async () => {
    const records = [['{"a":1}'], ['{"lsn":2,"ops":[', '{"o":"put","d":', JSON.stringify({ _id: 'ü', n: 'Zoë ✓'.repeat(50) }), '}', ']}'], [`"${'x'.repeat(5000)}"`], ['{}']];
    const expected = encodeFrame(Buffer.concat(records.map((parts) => encodeRecord(parts))), BATCH_MAGIC);
    for (const size of [16, 64, 100, 1 << 16]) {
      const file = path.join(dir, `f${size}`);
      const handle = await fs.open(file, 'w');
      await handle.write(Buffer.from('prefix'));
      const out = new FrameWriter(handle, 6, Buffer.alloc(size));
      await out.beginFrame(BATCH_MAGIC);
      for (const parts of records) {
        await out.beginFrame(RECORD_MAGIC);
        for (const part of parts) await out.text(part);
        await out.endFrame();
      }
      await out.endFrame();
      expect(await out.finish()).toBe(6 + expected.length);
      await handle.close();
      const written = await fs.readFile(file);
      expect(written.subarray(6).equals(expected)).toBe(true);
      const batches = decodeFrames(written.subarray(6), BATCH_MAGIC);
      expect(batches.bodies.map((b) => decodeFrames(b).bodies.map((r) => r.toString('utf8')))).toEqual([records.map((parts) => parts.join(''))]);
    }
  });
});
