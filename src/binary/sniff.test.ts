import { SNIFFED_TYPES, bareType, lookLike, sniffMismatch } from './sniff';

const pad = (prefix: Buffer, offset = 0, total = 200) => {
  const out = Buffer.alloc(Math.max(total, offset + prefix.length));
  prefix.copy(out, offset);
  return out;
};
const ascii = (s: string) => Buffer.from(s, 'latin1');

const GOOD: Record<string, Buffer> = {
  'image/jpeg': pad(Buffer.from([0xff, 0xd8, 0xff, 0xe0])),
  'image/png': pad(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/tiff': pad(ascii('II*\0')),
  'application/dicom': pad(ascii('DICM'), 128),
  'video/mp4': pad(Buffer.concat([Buffer.from([0, 0, 0, 0x20]), ascii('ftypisom')])),
  'video/quicktime': pad(Buffer.concat([Buffer.from([0, 0, 0, 0x14]), ascii('ftypqt  ')])),
  'video/webm': pad(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])),
  'application/pdf': pad(ascii('%PDF-1.7')),
  'audio/wav': pad(ascii('RIFF\x24\0\0\0WAVEfmt ')),
  'audio/x-wav': pad(ascii('RIFF\x24\0\0\0WAVEfmt ')),
  'audio/vnd.wave': pad(ascii('RIFF\x24\0\0\0WAVEfmt ')),
  'audio/mpeg': pad(ascii('ID3\x04\0')),
};

describe('content sniffing', () => {
  it('covers every checked type in this test', () => {
    expect(Object.keys(GOOD).sort()).toEqual([...SNIFFED_TYPES].sort());
  });

  it.each(Object.entries(GOOD))('accepts %s content that starts with its signature', (type, bytes) => {
    expect(sniffMismatch(type, bytes)).toBeUndefined();
  });

  it.each(Object.keys(GOOD))('refuses %s content that is plain text, naming the declared type', (type) => {
    const message = sniffMismatch(type, ascii('hello, this is not a '.repeat(10)));
    expect(message).toContain(type);
    expect(message).toContain('none of the checked formats');
  });

  it('names what mismatching bytes look like', () => {
    expect(sniffMismatch('image/png', GOOD['image/jpeg'])).toMatch(/image\/png.*look like JPEG/);
    expect(sniffMismatch('video/mp4', GOOD['application/pdf'])).toMatch(/look like PDF/);
    expect(sniffMismatch('image/jpeg', Buffer.alloc(0))).toMatch(/empty/);
  });

  it('accepts big-endian TIFF and an MPEG frame sync without ID3', () => {
    expect(sniffMismatch('image/tiff', pad(ascii('MM\0*')))).toBeUndefined();
    expect(sniffMismatch('audio/mpeg', pad(Buffer.from([0xff, 0xfb, 0x90, 0x64])))).toBeUndefined();
  });

  it('ignores parameters and case of the declared type, and stores other types as declared', () => {
    expect(sniffMismatch('IMAGE/JPEG; name=x.jpg', GOOD['image/jpeg'])).toBeUndefined();
    expect(sniffMismatch('text/plain', GOOD['image/png'])).toBeUndefined();
    expect(sniffMismatch('application/octet-stream', Buffer.alloc(0))).toBeUndefined();
    expect(bareType(' Video/MP4 ; codecs="avc1"')).toBe('video/mp4');
  });

  it('refuses DICOM content too short to hold the preamble', () => {
    expect(sniffMismatch('application/dicom', ascii('DICM'))).toContain('application/dicom');
  });

  it('recognises each signature', () => {
    expect(lookLike(GOOD['video/webm'])).toContain('WebM');
    expect(lookLike(GOOD['application/dicom'])).toContain('DICOM');
    expect(lookLike(ascii('plain'))).toBeUndefined();
  });
});
