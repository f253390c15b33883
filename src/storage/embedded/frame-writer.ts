/**
 * Writes frames (record.ts) to a file as their text is produced, through one reusable buffer: a large
 * commit or snapshot never exists in memory whole, neither as text nor as bytes. A frame's header
 * comes before its body but depends on it (length, CRC-32), so it is reserved, the body streamed while
 * its checksum is computed, and the header filled in at the end: in the buffer if it is still there,
 * otherwise with a positional write before the caller's fsync. Frames nest (a journal batch holds its
 * records); an outer frame's checksum is combined from its inner frames' (crc32Combine).
 *
 * Nothing here syncs: until the caller's fsync, a crash may leave any prefix of the bytes, or reserved
 * headers still zero, and either fails the frame's checksum (a torn tail, record.ts).
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { crc32Combine, HEADER } from './record';

interface OpenFrame {
  magic: Buffer;
  /** File offset of the reserved header. */
  at: number;
  /** CRC-32 and length of the body bytes folded in so far (CRC of the body alone, from 0). */
  crc: number;
  length: number;
}

export class FrameWriter {
  private used = 0;
  /** Offset in `buffer` from which bytes are not yet folded into the innermost frame's CRC. */
  private unsummed = 0;
  private readonly open: OpenFrame[] = [];
  private readonly patches: Array<{ at: number; header: Buffer }> = [];

  /**
   * @param position file offset of the first byte to write
   * @param buffer reused for every chunk; its size is the largest write (bigger texts are written alone)
   */
  constructor(
    private readonly handle: FileHandle,
    private position: number,
    private readonly buffer: Buffer,
  ) {}

  /** File offset just after everything written or buffered. */
  get end(): number {
    return this.position + this.used;
  }

  /** Starts a frame: reserves its header (zeros until `endFrame`). */
  async beginFrame(magic: Buffer): Promise<void> {
    if (this.used + HEADER > this.buffer.length) await this.flush();
    this.sum();
    this.buffer.fill(0, this.used, this.used + HEADER);
    this.used += HEADER;
    this.unsummed = this.used;
    this.open.push({ magic, at: this.position + this.used - HEADER, crc: 0, length: 0 });
  }

  /** Appends UTF-8 text to the innermost open frame. */
  async text(text: string): Promise<void> {
    const free = this.buffer.length - this.used;
    if (text.length * 3 > free && Buffer.byteLength(text, 'utf8') > free) {
      await this.flush();
      if (Buffer.byteLength(text, 'utf8') > this.buffer.length) {
        const bytes = Buffer.from(text, 'utf8');
        this.fold(bytes);
        await this.writeAt(bytes, this.position);
        this.position += bytes.length;
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** Ends the innermost frame: computes its header and folds the frame into the one around it. */
  async endFrame(): Promise<void> {
    this.sum();
    const frame = this.open.pop();
    if (!frame) throw new Error('bug: endFrame without beginFrame');
    const header = Buffer.allocUnsafe(HEADER);
    frame.magic.copy(header, 0);
    header.writeUInt32LE(frame.length, 4);
    header.writeUInt32LE(crc32Combine(crc32(header.subarray(4, 8)), frame.crc, frame.length), 8);
    const parent = this.open[this.open.length - 1];
    if (parent) {
      parent.crc = crc32Combine(crc32(header, parent.crc), frame.crc, frame.length);
      parent.length += HEADER + frame.length;
    }
    if (frame.at >= this.position) header.copy(this.buffer, frame.at - this.position);
    else this.patches.push({ at: frame.at, header });
  }

  /** Writes what is buffered and the headers of frames already written; returns the end offset. */
  async finish(): Promise<number> {
    if (this.open.length > 0) throw new Error('bug: finish with an open frame');
    await this.flush();
    for (const { at, header } of this.patches.splice(0)) await this.writeAt(header, at);
    return this.position;
  }

  private async flush(): Promise<void> {
    this.sum();
    if (this.used > 0) await this.writeAt(this.buffer.subarray(0, this.used), this.position);
    this.position += this.used;
    this.used = 0;
    this.unsummed = 0;
  }

  /** Folds the buffered bytes not yet summed into the innermost frame. */
  private sum(): void {
    if (this.used > this.unsummed) this.fold(this.buffer.subarray(this.unsummed, this.used));
    this.unsummed = this.used;
  }

  private fold(bytes: Buffer): void {
    const frame = this.open[this.open.length - 1];
    if (!frame) throw new Error('bug: text outside any frame');
    frame.crc = crc32(bytes, frame.crc);
    frame.length += bytes.length;
  }

  private async writeAt(bytes: Buffer, at: number): Promise<void> {
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, at + done);
      done += bytesWritten;
    }
  }
}
