/**
 * Self-validating record framing shared by journals and snapshots:
 *
 *   magic (4 bytes: F7 52 4A 31) | payload length (u32 LE) | CRC-32 of length+payload (u32 LE) | payload
 *
 * The payload is UTF-8 JSON. 0xF7 never occurs in UTF-8 text, so a scan for the magic finds record
 * starts only (or binary noise, which the CRC then rejects).
 */
import { crc32 } from 'node:zlib';

export const MAGIC = Buffer.from([0xf7, 0x52, 0x4a, 0x31]);
const HEADER = 12;
/** Upper bound for one record; larger lengths are treated as damage. */
export const MAX_RECORD_BYTES = 1 << 30;

/** Frames one payload as a record. */
export function encodeRecord(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  MAGIC.copy(frame, 0);
  frame.writeUInt32LE(body.length, 4);
  frame.writeUInt32LE(crc32(body, crc32(frame.subarray(4, 8))), 8);
  body.copy(frame, HEADER);
  return frame;
}

/** The payload of the record starting at `offset` with the offset after it, or null if none is valid there. */
export function decodeRecordAt(buf: Buffer, offset: number): { payload: string; next: number } | null {
  if (offset + HEADER > buf.length) return null;
  if (buf[offset] !== MAGIC[0] || buf[offset + 1] !== MAGIC[1] || buf[offset + 2] !== MAGIC[2] || buf[offset + 3] !== MAGIC[3]) return null;
  const length = buf.readUInt32LE(offset + 4);
  const end = offset + HEADER + length;
  if (length > MAX_RECORD_BYTES || end > buf.length) return null;
  const expected = buf.readUInt32LE(offset + 8);
  const actual = crc32(buf.subarray(offset + HEADER, end), crc32(buf.subarray(offset + 4, offset + 8)));
  if (actual !== expected) return null;
  return { payload: buf.toString('utf8', offset + HEADER, end), next: end };
}

export interface DecodedRecords {
  payloads: string[];
  /** Offset just past the last valid record. */
  validEnd: number;
  /**
   * Offset of the first invalid record followed by a valid one, if any: damage in the middle of
   * the file, as opposed to a torn tail (invalid bytes with nothing valid after them).
   */
  damagedAt?: number;
}

/** Decodes consecutive records from the start of `buf`, telling a torn tail from damage in the middle. */
export function decodeRecords(buf: Buffer): DecodedRecords {
  const payloads: string[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const record = decodeRecordAt(buf, offset);
    if (!record) break;
    payloads.push(record.payload);
    offset = record.next;
  }
  if (offset >= buf.length) return { payloads, validEnd: offset };
  for (let at = buf.indexOf(MAGIC, offset + 1); at !== -1; at = buf.indexOf(MAGIC, at + 1)) {
    if (decodeRecordAt(buf, at)) return { payloads, validEnd: offset, damagedAt: offset };
  }
  return { payloads, validEnd: offset };
}
