import { BATCH_MAGIC, decodeFrameAt, decodeFrames, encodeFrame, encodeRecord, RECORD_MAGIC } from './record';

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
