/**
 * The documents of a large write unit kept mostly on disk instead of in the heap. Once a transaction
 * has stored about `fromBytes` of JSON (estimated: frozen.ts), the large fields (SPILLED_FIELDS) of each
 * further document it writes go to the store's spill file as JSON, and the stored document reads them
 * from there whenever they are read (parsed afresh each time, so nobody can change them). A 50 MB
 * import no longer holds its resources and search values as objects in the heap from the moment they
 * are written until the process ends; its index entries stay in memory.
 *
 * The spill file is a cache, never a source of truth: journal records and snapshots hold the same
 * JSON (written from the spill file, checked against the CRC-32 taken when it was spilled), recovery
 * never reads it, and it is unlinked as soon as it is opened, so a crash leaves nothing behind. The
 * bytes of superseded and aborted documents stay until the next compaction (SpillArea).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Doc } from '../port';
import { heapBudget } from '../../runtime/heap';

/**
 * A transaction starts spilling once the documents it wrote take about this many bytes of JSON
 * (estimated at a byte per character: frozen.ts). A 1,000-entry transaction of patient records (about
 * 1.2 MB of Bundle, bench:transaction's throughput case) spills nothing.
 */
export const SPILL_FROM_BYTES = 8 << 20;

/**
 * The fields spilled: the large ones of the repository's documents (repository/documents.ts), the
 * resource and its search values. Equality indexes keep their keys in memory, so index-only searches
 * read nothing back; a filter that must look into a spilled document reads it once (`readable`).
 */
export const SPILLED_FIELDS: ReadonlySet<string> = new Set(['resource', 'sp']);

/** One spilled value: where its JSON lies in a spill file, and its checksum. */
export class Spilled {
  constructor(
    private file: SpillFile,
    private offset: number,
    private readonly length: number,
    private readonly crc: number,
  ) {}

  /** The JSON text, exactly as it was spilled. */
  text(): string {
    return this.file.read(this.offset, this.length, this.crc);
  }

  /** A fresh copy of the value. */
  value(): unknown {
    return JSON.parse(this.text());
  }

  /** Whether it lies in `file`. */
  in(file: SpillFile): boolean {
    return this.file === file;
  }

  /** Copies the JSON to `file` (as bytes, checked) and reads it from there from now on (every document holding this value follows). */
  moveTo(file: SpillFile): void {
    const bytes = this.file.readBytes(this.offset, this.length, this.crc);
    this.offset = file.appendBytes(bytes);
    this.file = file;
  }
}

/**
 * One buffer for every read and write of spill files, grown to the largest value met: spilling and
 * reading back hundreds of thousands of small values would otherwise leave as many buffers to the GC
 * (a compaction after a 50 MB import held 60 MB of them at once).
 * Its contents are used before the next read or write (everything here is synchronous).
 */
let scratch = Buffer.allocUnsafe(64 * 1024);
/** Larger values get a buffer of their own, so that one large resource does not keep a large scratch buffer alive. */
const SCRATCH_MAX = 4 << 20;

function scratchOf(length: number): Buffer {
  if (length > SCRATCH_MAX) return Buffer.allocUnsafe(length);
  if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(length, scratch.length * 2)));
  return scratch.subarray(0, length);
}

/** An append-only file of spilled JSON, unlinked at once: it lives as long as its descriptor. */
export class SpillFile {
  private size = 0;

  private constructor(private fd: number | undefined) {}

  /** Opens a new spill file in `dir` (the store's directory: the same disk as the data it caches). */
  static open(dir: string): SpillFile {
    const file = path.join(dir, `spill-${randomUUID()}.tmp`);
    const fd = fs.openSync(file, 'wx+', 0o600);
    try {
      fs.unlinkSync(file);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return new SpillFile(fd);
  }

  /** Appends `text` (JSON). */
  append(text: string): Spilled {
    const bytes = scratchOf(Buffer.byteLength(text, 'utf8'));
    bytes.write(text, 'utf8');
    const crc = crc32(bytes) | 0;
    return new Spilled(this, this.appendBytes(bytes), bytes.length, crc);
  }

  /** Appends `bytes`; returns where they start. */
  appendBytes(bytes: Buffer): number {
    const offset = this.size;
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.descriptor(), bytes, done, bytes.length - done, offset + done);
    this.size += bytes.length;
    return offset;
  }

  read(offset: number, length: number, crc: number): string {
    return this.readBytes(offset, length, crc).toString('utf8');
  }

  /** The bytes at `offset`, checked against `crc`, in the shared scratch buffer (valid until the next read or write). */
  readBytes(offset: number, length: number, crc: number): Buffer {
    const bytes = scratchOf(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.descriptor(), bytes, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    if (done !== length || (crc32(bytes) | 0) !== crc) throw new Error(`the embedded store's spill file gave back other bytes at ${offset} (${length} bytes) than were written there`);
    return bytes;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.size;
  }

  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error("the embedded store's spill file is closed (the store has closed)");
    return this.fd;
  }
}

/**
 * How documents hold a spilled field: the Spilled under a symbol (not enumerable, so JSON, copies and
 * spreads never see it) and an enumerable getter reading it. One symbol and one getter per field name,
 * shared by every document, so that documents of the same shape keep sharing one hidden class.
 */
interface Slot {
  symbol: symbol;
  get(this: object): unknown;
}
const slots = new Map<string, Slot>();

function slotFor(key: string): Slot {
  let slot = slots.get(key);
  if (!slot) {
    const symbol = Symbol(`spilled ${key}`);
    slot = {
      symbol,
      get(this: object) {
        return ((this as Record<symbol, Spilled>)[symbol]).value();
      },
    };
    slots.set(key, slot);
  }
  return slot;
}

/** The Spilled `doc[key]` reads from, if it is spilled. */
function spilledAt(doc: object, key: string): Spilled | undefined {
  const slot = slots.get(key);
  return slot ? spilledAtSlot(doc, slot) : undefined;
}

function spilledAtSlot(doc: object, slot: Slot): Spilled | undefined {
  return (doc as Record<symbol, Spilled | undefined>)[slot.symbol];
}

/** Marks a document with spilled fields: one look-up tells (matching and indexing ask for every document). */
const SPILLED = Symbol('has spilled fields');
/** Until something is spilled, no document needs the look-up at all. */
let anySpilled = false;

/** Defines `out[key]` as a field read from `spilled` (enumerable: JSON, copies and matching see it as a plain field). */
export function defineSpilled(out: Record<string, unknown>, key: string, spilled: Spilled): void {
  const slot = slotFor(key);
  if (!(SPILLED in out)) Object.defineProperty(out, SPILLED, { value: true });
  Object.defineProperty(out, slot.symbol, { value: spilled });
  Object.defineProperty(out, key, { get: slot.get, enumerable: true });
  anySpilled = true;
}

/**
 * What identifies the value of `doc[field]` across documents without reading it: the Spilled a
 * spilled field reads from (the same for every document that stores the same value), else the value.
 */
export function fieldIdentity(doc: Doc, field: string): unknown {
  return spilledAt(doc, field) ?? (doc as Record<string, unknown>)[field];
}

/** `doc` with `fields` set to null, spilled fields otherwise kept spilled (nothing is read from the spill file). */
export function withNullFields(doc: Doc, fields: ReadonlySet<string>): Doc {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(doc)) {
    const from = spilledAt(doc, key);
    if (fields.has(key)) out[key] = null;
    else if (from) defineSpilled(out, key, from);
    else out[key] = (doc as Record<string, unknown>)[key];
  }
  return out as Doc;
}

/** JSON.stringify(doc), with the JSON of spilled fields taken as it was spilled rather than parsed and written again. */
export function docJson(doc: Doc): string {
  if (!isSpilled(doc)) return JSON.stringify(doc);
  let out = '';
  for (const key of Object.keys(doc)) {
    const from = spilledAt(doc, key);
    const text = from ? from.text() : JSON.stringify((doc as Record<string, unknown>)[key]);
    if (text === undefined) continue;
    out += `${out ? ',' : '{'}${JSON.stringify(key)}:${text}`;
  }
  return out ? `${out}}` : '{}';
}

/** `doc` itself, or, when fields of it are spilled, a plain copy with each of them read once: for code that reads many paths of one document. */
export function readable(doc: Doc): Doc {
  return isSpilled(doc) ? { ...doc } : doc;
}

/** Whether any field of `doc` is spilled. */
function isSpilled(doc: object): boolean {
  return anySpilled && (doc as Record<symbol, unknown>)[SPILLED] === true;
}

/**
 * The store's spill file, opened when a transaction first spills; if it cannot be opened, resources
 * stay in the heap. Compaction bounds its size: it starts a new file (`rotate`), then moves the
 * values the documents it snapshotted still read from the old one (`moveLive`), which it then closes,
 * releasing the bytes of superseded and aborted documents.
 */
export class SpillArea {
  private opened: SpillFile | undefined;
  private unavailable = false;

  constructor(
    private readonly dir: string,
    readonly fromBytes = SPILL_FROM_BYTES,
    readonly fields = SPILLED_FIELDS,
  ) {}

  file(): SpillFile | undefined {
    if (this.opened || this.unavailable) return this.opened;
    try {
      this.opened = SpillFile.open(this.dir);
    } catch {
      this.unavailable = true;
    }
    return this.opened;
  }

  /** Bytes in the current spill file (for tests and diagnostics). */
  get bytes(): number {
    return this.opened?.bytes ?? 0;
  }

  /** Starts a new spill file with the next spill; returns the current one, if any. Call with no transaction running. */
  rotate(): SpillFile | undefined {
    const old = this.opened;
    this.opened = undefined;
    this.unavailable = false;
    return old;
  }

  /**
   * Moves every value `docs` read from `old` into the current spill file, a chunk at a time, then
   * closes `old`. `docs` must include every stored document that can read from `old` (all the
   * committed documents when `old` was rotated out). If the move fails, `old` stays open.
   */
  async moveLive(old: SpillFile, docs: Iterable<Doc>): Promise<void> {
    let moved = 0;
    for (const doc of docs) {
      for (const slot of slots.values()) {
        const spilled = spilledAtSlot(doc, slot);
        if (!spilled?.in(old)) continue;
        const file = this.file();
        if (!file) throw new Error("the embedded store's spill file could not be opened");
        spilled.moveTo(file);
        if (++moved % 1024 === 0) {
          heapBudget.check();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
    old.close();
  }

  close(): void {
    this.opened?.close();
  }
}
