/**
 * Content sniffing: the media type a Binary declares must agree with the magic bytes its content
 * starts with, for the types whose signatures are unambiguous. Other declared types are stored as
 * declared. Pure: takes the first SNIFF_BYTES bytes (or the whole content when shorter).
 */

/** How many leading bytes the checks need ("DICM" sits at offset 128). */
export const SNIFF_BYTES = 132;

interface Signature {
  /** What the bytes look like, in a message. */
  name: string;
  matches: (head: Buffer) => boolean;
}

const at = (head: Buffer, offset: number, bytes: number[] | string): boolean => {
  const want = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return head.length >= offset + want.length && head.subarray(offset, offset + want.length).equals(want);
};

const SIGNATURES = {
  jpeg: { name: 'JPEG', matches: (h) => at(h, 0, [0xff, 0xd8, 0xff]) },
  png: { name: 'PNG', matches: (h) => at(h, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  tiff: { name: 'TIFF', matches: (h) => at(h, 0, 'II*\0') || at(h, 0, 'MM\0*') },
  dicom: { name: 'DICOM (DICM at offset 128)', matches: (h) => at(h, 128, 'DICM') },
  isoMedia: { name: 'MP4/QuickTime (ftyp at offset 4)', matches: (h) => at(h, 4, 'ftyp') },
  webm: { name: 'WebM/Matroska (EBML)', matches: (h) => at(h, 0, [0x1a, 0x45, 0xdf, 0xa3]) },
  pdf: { name: 'PDF', matches: (h) => at(h, 0, '%PDF-') },
  wav: { name: 'WAV (RIFF....WAVE)', matches: (h) => at(h, 0, 'RIFF') && at(h, 8, 'WAVE') },
  mp3: { name: 'MP3 (ID3 tag or MPEG frame sync)', matches: (h) => at(h, 0, 'ID3') || (h.length >= 2 && h[0] === 0xff && (h[1] & 0xe0) === 0xe0) },
} satisfies Record<string, Signature>;

/** Declared media type (lowercase, without parameters) → the signature its content must have. */
const EXPECTED: Record<string, Signature> = {
  'image/jpeg': SIGNATURES.jpeg,
  'image/png': SIGNATURES.png,
  'image/tiff': SIGNATURES.tiff,
  'application/dicom': SIGNATURES.dicom,
  'video/mp4': SIGNATURES.isoMedia,
  'video/quicktime': SIGNATURES.isoMedia,
  'video/webm': SIGNATURES.webm,
  'application/pdf': SIGNATURES.pdf,
  'audio/wav': SIGNATURES.wav,
  'audio/x-wav': SIGNATURES.wav,
  'audio/vnd.wave': SIGNATURES.wav,
  'audio/mpeg': SIGNATURES.mp3,
};

/** The media types whose content is checked. */
export const SNIFFED_TYPES: readonly string[] = Object.keys(EXPECTED);

/** The bare media type of a Content-Type value: lowercase, without parameters. */
export function bareType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/** What the leading bytes look like, by the known signatures (undefined: none of them). */
export function lookLike(head: Buffer): string | undefined {
  return Object.values(SIGNATURES as Record<string, Signature>).find((s) => s.matches(head))?.name;
}

/**
 * Checks content against its declared type: undefined when they agree (or the type is not one that
 * is checked), else a message naming the declared type and what the bytes look like.
 */
export function sniffMismatch(declared: string, head: Buffer): string | undefined {
  const type = bareType(declared);
  const expected = EXPECTED[type];
  if (!expected || expected.matches(head)) return undefined;
  const looks = head.length === 0 ? 'the content is empty' : `the bytes look like ${lookLike(head) ?? 'none of the checked formats'}`;
  return `the content does not match its declared type ${declared.trim()}: ${type} content starts with the ${expected.name} signature, but ${looks}`;
}
