/**
 * Self-validating framing shared by journals and snapshots:
 *
 *   magic (4 bytes) | body length (u32 LE) | CRC-32 of length+body (u32 LE) | body
 *
 * A record's body is UTF-8 JSON. The journal also frames each group commit (one write+fsync) as a
 * batch whose body is its records' frames, so a batch torn by a crash is recognised as a whole even
 * when the storage persisted its pages out of order. The magics start with 0xF7, which never occurs
 * in UTF-8 text, so a scan for a magic finds frame starts only (or binary noise the CRC rejects).
 */
import { crc32 } from 'node:zlib';

export const RECORD_MAGIC = Buffer.from([0xf7, 0x52, 0x4a, 0x31]);
export const BATCH_MAGIC = Buffer.from([0xf7, 0x52, 0x4a, 0x42]);
const HEADER = 12;
/** Upper bound for one frame; larger lengths are treated as damage. */
export const MAX_FRAME_BYTES = 1 << 30;

/** Frames `body` with the given magic. */
export function encodeFrame(body: Buffer, magic: Buffer = RECORD_MAGIC): Buffer {
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  magic.copy(frame, 0);
  frame.writeUInt32LE(body.length, 4);
  frame.writeUInt32LE(crc32(body, crc32(frame.subarray(4, 8))), 8);
  body.copy(frame, HEADER);
  return frame;
}

/**
 * Frames one JSON payload as a record. The payload may come in pieces (a large transaction's
 * documents): they are written straight into the one frame buffer, never joined into one string.
 */
export function encodeRecord(payload: string | readonly string[]): Buffer {
  const pieces = typeof payload === 'string' ? [payload] : payload;
  let length = 0;
  for (const piece of pieces) length += Buffer.byteLength(piece, 'utf8');
  const frame = Buffer.allocUnsafe(HEADER + length);
  let offset = HEADER;
  for (const piece of pieces) offset += frame.write(piece, offset, 'utf8');
  RECORD_MAGIC.copy(frame, 0);
  frame.writeUInt32LE(length, 4);
  frame.writeUInt32LE(crc32(frame.subarray(HEADER), crc32(frame.subarray(4, 8))), 8);
  return frame;
}

/**
 * The CRC-32 of A followed by B, from the CRC-32 of A, that of B and B's length (zlib's
 * crc32_combine: multiplying by x^(8·len) modulo the CRC polynomial), so that a frame's checksum can
 * be found without having its whole body in memory at once.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(xPow8n(lengthB), crcA) ^ crcB) >>> 0;
}

const POLY = 0xedb88320;

/** a·b modulo the (reflected) CRC-32 polynomial. */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) modulo the polynomial, for k = 0..31. */
const X2N = (() => {
  const table: number[] = [];
  let p = 0x40000000; // x^1
  for (let k = 0; k < 32; k++) {
    table.push(p);
    p = multiplyModP(p, p);
  }
  return table;
})();

/** x^(8·n) modulo the polynomial. */
function xPow8n(n: number): number {
  let p = 0x80000000; // x^0
  let k = 3;
  while (n > 0) {
    if (n & 1) p = multiplyModP(X2N[k & 31], p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * A record too large to hold as bytes: its body's JSON text is made again, piece by piece, each time
 * it is read (the journal reads it once, to write it). `length` (UTF-8 bytes) and `crc` (of the body
 * alone) come from a first reading; a later reading that differs fails the write.
 */
export interface LazyRecord {
  pieces(): Iterable<string>;
  length: number;
  crc: number;
}

/**
 * The header of a frame whose body is `parts` one after the other, so that the parts can be
 * written as they are (a vectored write) instead of being copied into one buffer. A part may be a
 * large record's body, counted by its length and CRC without being made.
 */
export function frameHeader(parts: readonly (Buffer | LazyRecord)[], magic: Buffer): Buffer {
  const header = Buffer.allocUnsafe(HEADER);
  magic.copy(header, 0);
  let length = 0;
  for (const part of parts) length += part.length;
  header.writeUInt32LE(length, 4);
  let crc = crc32(header.subarray(4, 8));
  for (const part of parts) crc = Buffer.isBuffer(part) ? crc32(part, crc) : crc32Combine(crc, part.crc, part.length);
  header.writeUInt32LE(crc, 8);
  return header;
}

/** The body of the valid frame starting at `offset` with the offset after it, or null if there is none. */
export function decodeFrameAt(buf: Buffer, offset: number, magic: Buffer = RECORD_MAGIC): { body: Buffer; next: number } | null {
  if (offset + HEADER > buf.length) return null;
  if (buf[offset] !== magic[0] || buf[offset + 1] !== magic[1] || buf[offset + 2] !== magic[2] || buf[offset + 3] !== magic[3]) return null;
  const length = buf.readUInt32LE(offset + 4);
  const end = offset + HEADER + length;
  if (length > MAX_FRAME_BYTES || end > buf.length) return null;
  const actual = crc32(buf.subarray(offset + HEADER, end), crc32(buf.subarray(offset + 4, offset + 8)));
  if (actual !== buf.readUInt32LE(offset + 8)) return null;
  return { body: buf.subarray(offset + HEADER, end), next: end };
}

export interface DecodedFrames {
  bodies: Buffer[];
  /** Offset just past the last valid frame of the leading run. */
  validEnd: number;
  /**
   * Offset of the first invalid frame when a valid frame follows it somewhere: damage in the middle
   * of the file, as opposed to a torn tail (invalid bytes with nothing valid after them).
   */
  damagedAt?: number;
}

/** Decodes consecutive frames from the start of `buf`, telling a torn tail from damage in the middle. */
export function decodeFrames(buf: Buffer, magic: Buffer = RECORD_MAGIC): DecodedFrames {
  const bodies: Buffer[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const frame = decodeFrameAt(buf, offset, magic);
    if (!frame) break;
    bodies.push(frame.body);
    offset = frame.next;
  }
  if (offset >= buf.length) return { bodies, validEnd: offset };
  for (let at = buf.indexOf(magic, offset + 1); at !== -1; at = buf.indexOf(magic, at + 1)) {
    if (decodeFrameAt(buf, at, magic)) return { bodies, validEnd: offset, damagedAt: offset };
  }
  return { bodies, validEnd: offset };
}
