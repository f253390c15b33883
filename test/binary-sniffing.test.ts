/**
 * Issue 6 content sniffing: a Binary declared as one of the sniffed media types must start with that
 * type's magic bytes (scratch/issue6-contract.md); a mismatch is a 422 at Binary.contentType and stores
 * nothing. Types the server does not sniff are stored as declared.
 */
import { startTestApp, type TestApp } from './helpers/test-app';
import { blobFiles, countOf, get, magicSamples, postBinary, SeededContent, seededBytes, send, tmpFiles, waitFor, type Answer, type Sample } from './helpers/binary-files';

const FHIR = 'application/fhir+json';

function expectStatus(res: Answer, status: number): void {
  if (res.status !== status) throw new Error(`expected HTTP ${status}, got ${res.status}: ${res.body.toString('utf8').slice(0, 600)}`);
}

const samples = magicSamples();
const sample = (name: string): Sample => {
  const found = samples.find((s) => s.name === name);
  if (!found) throw new Error(`no sample ${name}`);
  return found;
};

describe('Binary content sniffing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(samples.map((s) => [s.name, s.contentType, s] as const))('accepts %s declared as %s and serves it back unchanged', async (_name, contentType, s) => {
    const res = await postBinary(t.origin, contentType, s.bytes);
    expectStatus(res, 201);
    expect(res.json).toMatchObject({ resourceType: 'Binary', contentType });
    const back = await get(t.origin, `/fhir/Binary/${res.json?.id}`);
    expectStatus(back, 200);
    expect(back.headers['content-type']).toBe(contentType);
    expect(back.body.equals(s.bytes)).toBe(true);
  });

  /** Posts `bytes` declared as `contentType` and expects a 422 at Binary.contentType that names the declared type, with nothing stored. */
  async function expectRefused(contentType: string, bytes: Buffer, viaJson = false): Promise<void> {
    const binaries = await countOf(t.origin, 'Binary');
    const blobs = await blobFiles(t.dataDir);
    const res = viaJson
      ? await send(t.origin, 'POST', '/fhir/Binary', Buffer.from(JSON.stringify({ resourceType: 'Binary', contentType, data: bytes.toString('base64') })), { 'content-type': FHIR })
      : await postBinary(t.origin, contentType, bytes);
    expectStatus(res, 422);
    expect(res.json?.resourceType).toBe('OperationOutcome');
    const issues = (res.json?.issue ?? []) as { severity: string; code: string; diagnostics?: string; details?: { text?: string }; expression?: string[] }[];
    const problem = issues.find((i) => i.severity === 'error' || i.severity === 'fatal');
    expect(problem).toMatchObject({ code: 'invalid', expression: ['Binary.contentType'] });
    expect(`${problem?.diagnostics ?? ''} ${problem?.details?.text ?? ''}`).toContain(contentType);
    expect(await countOf(t.origin, 'Binary')).toBe(binaries);
    expect(await blobFiles(t.dataDir)).toEqual(blobs);
    expect(await tmpFiles(t.dataDir)).toEqual([]);
  }

  const mismatches: [string, string, () => Buffer][] = [
    ['PNG bytes declared image/jpeg', 'image/jpeg', () => sample('PNG').bytes],
    ['JPEG bytes declared image/png', 'image/png', () => sample('JPEG').bytes],
    ['PDF bytes declared image/tiff', 'image/tiff', () => sample('PDF').bytes],
    ['"DICM" at offset 0 instead of 128, declared application/dicom', 'application/dicom', () => Buffer.concat([Buffer.from('DICM'), seededBytes(1, 2000)])],
    ['a JPEG declared application/dicom', 'application/dicom', () => sample('JPEG').bytes],
    ['WebM bytes declared video/mp4', 'video/mp4', () => sample('WebM').bytes],
    ['PDF bytes declared video/quicktime', 'video/quicktime', () => sample('PDF').bytes],
    ['MP4 bytes declared video/webm', 'video/webm', () => sample('MP4').bytes],
    ['PNG bytes declared application/pdf', 'application/pdf', () => sample('PNG').bytes],
    ['a RIFF AVI (not WAVE) declared audio/wav', 'audio/wav', () => Buffer.concat([Buffer.from('RIFF'), Buffer.from([0xf8, 0x07, 0, 0]), Buffer.from('AVI LIST'), seededBytes(2, 2000)])],
    ['MP3 bytes declared audio/x-wav', 'audio/x-wav', () => sample('MP3 with an ID3 tag').bytes],
    ['WAV bytes declared audio/mpeg', 'audio/mpeg', () => sample('WAV (audio/wav)').bytes],
    ['PDF bytes declared audio/mpeg', 'audio/mpeg', () => sample('PDF').bytes],
    ['a body shorter than the PNG signature declared image/png', 'image/png', () => Buffer.from([0x89, 0x50, 0x4e])],
  ];
  it.each(mismatches)('refuses %s with 422 at Binary.contentType and stores nothing', async (_name, contentType, bytes) => {
    await expectRefused(contentType, bytes());
  });

  it('refuses a large streamed upload whose first bytes do not match, and stores nothing', async () => {
    const content = new SeededContent(4242, 20 * 1024 * 1024, sample('PNG').bytes.subarray(0, 64));
    const binaries = await countOf(t.origin, 'Binary');
    const blobs = await blobFiles(t.dataDir);
    const res = await postBinary(t.origin, 'image/jpeg', content).catch((err: Error) => {
      throw new Error(`the connection failed before an answer arrived (${err.message}); expected a 422`);
    });
    expectStatus(res, 422);
    expect(res.json?.issue).toEqual([expect.objectContaining({ code: 'invalid', expression: ['Binary.contentType'] })]);
    await waitFor('blobs/tmp to be emptied', async () => (await tmpFiles(t.dataDir)).length === 0, 10_000);
    expect(await countOf(t.origin, 'Binary')).toBe(binaries);
    expect(await blobFiles(t.dataDir)).toEqual(blobs);
  }, 60_000);

  it('refuses a PUT whose content does not match its declared type, and keeps the current version', async () => {
    const created = await postBinary(t.origin, 'image/png', sample('PNG').bytes);
    expectStatus(created, 201);
    const id = created.json?.id as string;
    const put = await send(t.origin, 'PUT', `/fhir/Binary/${id}`, sample('PDF').bytes, { 'content-type': 'image/png' });
    expectStatus(put, 422);
    expect(put.json?.issue).toEqual([expect.objectContaining({ code: 'invalid', expression: ['Binary.contentType'] })]);
    const now = await get(t.origin, `/fhir/Binary/${id}`);
    expect(now.headers.etag).toBe('W/"1"');
    expect(now.body.equals(sample('PNG').bytes)).toBe(true);
  });

  it('refuses a mismatch sent as a JSON Binary with base64 data the same way', async () => {
    await expectRefused('image/jpeg', sample('PNG').bytes, true);
  });

  it('sniffs a declared type that carries parameters by its media type', async () => {
    await expectRefused('image/jpeg; name="photo.jpg"', sample('PNG').bytes);
    const ok = await postBinary(t.origin, 'image/png; name="photo.png"', sample('PNG').bytes);
    expectStatus(ok, 201);
    expect(ok.json?.contentType).toBe('image/png; name="photo.png"');
  });

  it.each([
    ['text/plain', Buffer.from('Referral note: lesion on the left forearm, 6 mm, irregular border.\n')],
    ['application/zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), seededBytes(3, 1000)])],
    ['application/octet-stream (PNG bytes)', sample('PNG').bytes],
    ['application/x-unknown (JPEG bytes)', sample('JPEG').bytes],
  ])('stores a type that is not sniffed as declared: %s', async (label, bytes) => {
    const contentType = label.split(' ')[0];
    const res = await postBinary(t.origin, contentType, bytes);
    expectStatus(res, 201);
    expect(res.json?.contentType).toBe(contentType);
    const back = await get(t.origin, `/fhir/Binary/${res.json?.id}`);
    expect(back.headers['content-type']).toMatch(new RegExp(`^${contentType.replace(/[/+.]/g, '\\$&')}`));
    expect(back.body.equals(bytes)).toBe(true);
  });
});
