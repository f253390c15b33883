import { crc32 } from 'node:zlib';
import { BATCH_MAGIC, crc32Combine, decodeFrameAt, decodeFrames, encodeFrame, encodeRecord, frameHeader, RECORD_MAGIC } from './record';

describe('frames', () => {
  const payloads = ['{"a":1}', '{"b":"ünïcødé"}', '{"c":[1,2,3]}'];
  const file = Buffer.concat(payloads.map(encodeRecord));
  const texts = (bodies: Buffer[]) => bodies.map((b) => b.toString('utf8'));

  it('frames a payload given in pieces exactly as the same payload given whole', () => {
    const pieces = ['{"lsn":1,"ops":[', '{"o":"put","c":"P","d":', JSON.stringify({ _id: 'ü', n: 'Zoë ✓' }), '}', ']}'];
    expect(encodeRecord(pieces).equals(encodeRecord(pieces.join('')))).toBe(true);
    expect(decodeFrameAt(encodeRecord(pieces), 0)?.body.toString('utf8')).toBe(pieces.join(''));
  });

  it('decodes what it encodes', () => {
    const decoded = decodeFrames(file);
    expect(texts(decoded.bodies)).toEqual(payloads);
    expect(decoded.validEnd).toBe(file.length);
    expect(decoded.damagedAt).toBeUndefined();
  });

  it('treats a cut-off last frame as a torn tail', () => {
    const lastLength = encodeRecord(payloads[2]).length;
    for (let cut = 1; cut < lastLength; cut++) {
      const decoded = decodeFrames(file.subarray(0, file.length - cut));
      expect(texts(decoded.bodies)).toEqual(payloads.slice(0, 2));
      expect(decoded.damagedAt).toBeUndefined();
      expect(decoded.validEnd).toBe(file.length - lastLength);
    }
  });

  it('treats garbage or zeros after the last frame as a torn tail', () => {
    for (const tail of [Buffer.alloc(4096), Buffer.from('garbage'), Buffer.concat([RECORD_MAGIC, Buffer.from([5, 0, 0, 0, 1, 2, 3, 4, 65])])]) {
      const decoded = decodeFrames(Buffer.concat([file, tail]));
      expect(texts(decoded.bodies)).toEqual(payloads);
      expect(decoded.validEnd).toBe(file.length);
      expect(decoded.damagedAt).toBeUndefined();
    }
  });

  it('reports damage in the middle when valid frames follow a bad one', () => {
    const damaged = Buffer.from(file);
    const second = encodeRecord(payloads[0]).length;
    damaged[second + 14] ^= 0xff;
    const decoded = decodeFrames(damaged);
    expect(texts(decoded.bodies)).toEqual(payloads.slice(0, 1));
    expect(decoded.damagedAt).toBe(second);
  });

  it('rejects a frame whose checksum does not match', () => {
    const one = encodeRecord('{"x":1}');
    one[one.length - 2] ^= 0x01;
    expect(decodeFrameAt(one, 0)).toBeNull();
  });

  it('keeps batch and record frames apart: record frames inside a torn batch are not mistaken for later batches', () => {
    const batch = (...p: string[]) => encodeFrame(Buffer.concat(p.map(encodeRecord)), BATCH_MAGIC);
    const journal = Buffer.concat([batch('{"n":1}'), batch('{"n":2}', '{"n":3}', '{"n":4}')]);
    const holed = Buffer.from(journal);
    holed.fill(0, batch('{"n":1}').length + 12, batch('{"n":1}').length + 30);
    const decoded = decodeFrames(holed, BATCH_MAGIC);
    expect(decoded.bodies.length).toBe(1);
    expect(decoded.damagedAt).toBeUndefined();
    expect(texts(decodeFrames(decoded.bodies[0]).bodies)).toEqual(['{"n":1}']);
  });
});

describe('checksums of frames made in pieces', () => {
  it('combines CRC-32s as zlib does: the CRC of A then B from those of A and of B and B’s length', () => {
    let seed = 42;
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff));
    const a = Buffer.from('{"lsn":1,"ops":[');
    for (const b of [Buffer.alloc(0), Buffer.from('x'), Buffer.from('Zoë ✓ '.repeat(1000)), Buffer.alloc(70_000, 7), bytes(3), bytes(4097), bytes(1 << 20)]) {
      expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
      expect(crc32Combine(crc32(b), crc32(a), a.length)).toBe(crc32(Buffer.concat([b, a])));
    }
  });

  it('frames a large record counted by its length and CRC exactly as the same bytes given whole', () => {
    const pieces = ['{"lsn":7,"ops":[', '"Zoë ✓"'.repeat(5000), ']}'];
    const body = Buffer.from(pieces.join(''), 'utf8');
    const lazy = { pieces: () => pieces, length: body.length, crc: crc32(body) };
    const before = Buffer.from('abc');
    expect(frameHeader([lazy], RECORD_MAGIC)).toEqual(frameHeader([body], RECORD_MAGIC));
    expect(frameHeader([before, lazy, before], BATCH_MAGIC)).toEqual(frameHeader([before, body, before], BATCH_MAGIC));
    expect(decodeFrames(Buffer.concat([frameHeader([lazy], RECORD_MAGIC), body])).bodies).toEqual([body]);
  });
});
