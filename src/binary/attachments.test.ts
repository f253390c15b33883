import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DiagnosticReport, DocumentReference, Media } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../fhir/outcome';
import { openFileBlobStore, type FileBlobStore } from '../storage/embedded/blobs';
import { attachmentsOf, binaryIdOf, decodedLength, extractInlineData, verifyLinkedAttachments } from './attachments';

const BASE = 'https://relay.example/fhir';

describe('attachments', () => {
  it('finds the attachments of Media, DocumentReference and DiagnosticReport with their paths', () => {
    const media: Media = { resourceType: 'Media', status: 'completed', content: { url: 'x' } };
    const doc: DocumentReference = { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: {} }, { attachment: { url: 'y' } }] };
    const report: DiagnosticReport = { resourceType: 'DiagnosticReport', status: 'final', code: {}, presentedForm: [{}] };
    expect(attachmentsOf(media).map((a) => a.path)).toEqual(['Media.content']);
    expect(attachmentsOf(doc).map((a) => a.path)).toEqual(['DocumentReference.content[0].attachment', 'DocumentReference.content[1].attachment']);
    expect(attachmentsOf(report).map((a) => a.path)).toEqual(['DiagnosticReport.presentedForm[0]']);
    expect(attachmentsOf({ resourceType: 'Patient' })).toEqual([]);
  });

  it('recognises links to Binaries of this server only', () => {
    expect(binaryIdOf('Binary/abc', BASE)).toBe('abc');
    expect(binaryIdOf(`${BASE}/Binary/abc`, BASE)).toBe('abc');
    expect(binaryIdOf('https://elsewhere.example/fhir/Binary/abc', BASE)).toBeUndefined();
    expect(binaryIdOf('Binary/abc/_history/2', BASE)).toBeUndefined();
    expect(binaryIdOf(undefined, BASE)).toBeUndefined();
  });

  it('computes the decoded length of base64 without decoding', () => {
    for (const n of [0, 1, 2, 3, 4, 100, 1001]) {
      const text = Buffer.alloc(n, 9).toString('base64');
      expect(decodedLength(text)).toBe(n);
      expect(decodedLength(text.replace(/(.{8})/g, '$1\n'))).toBe(n);
    }
  });

  it('fills in size and hash, and refuses disagreeing ones with 422 at the element', async () => {
    const lookup = async (id: string) => (id === 'b1' ? { size: 10, sha1: 'abc=' } : null);
    const media: Media = { resourceType: 'Media', status: 'completed', content: { url: 'Binary/b1' } };
    const filled = (await verifyLinkedAttachments(media, BASE, lookup)) as Media;
    expect(filled.content).toEqual({ url: 'Binary/b1', size: 10, hash: 'abc=' });
    expect(media.content).toEqual({ url: 'Binary/b1' });
    const wrong = { ...media, content: { url: 'Binary/b1', hash: 'zzz=' } };
    await expect(verifyLinkedAttachments(wrong, BASE, lookup)).rejects.toMatchObject({ kind: 'unprocessable', outcome: { issue: [{ expression: ['Media.content.hash'] }] } });
    const missing = { ...media, content: { url: 'Binary/none' } };
    await expect(verifyLinkedAttachments(missing, BASE, lookup)).rejects.toBeInstanceOf(OperationOutcomeError);
  });

  describe('extracting inline data', () => {
    let dir: string;
    let blobs: FileBlobStore;
    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-attach-'));
      blobs = await openFileBlobStore(dir);
    });
    afterEach(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('moves data over the limit into blob content and a pending Binary, leaving small data inline', async () => {
      const big = Buffer.alloc(100, 1).toString('base64');
      const doc: DocumentReference = { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', data: big } }, { attachment: { data: 'AQ==' } }] };
      const { resource, pending } = await extractInlineData(doc, { blobs, inlineMaxBytes: 10, maxUploadBytes: 1000 });
      const [moved, kept] = (resource as DocumentReference).content.map((c) => c.attachment);
      expect(pending).toHaveLength(1);
      expect(moved).toEqual({ contentType: 'text/plain', url: `Binary/${pending[0].id}`, size: 100, hash: pending[0].content.sha1 });
      expect(kept).toEqual({ data: 'AQ==' });
      expect(await blobs.list()).toEqual([pending[0].content.sha256]);
      pending[0].content.release();
    });

    it('answers the resource itself when nothing is over the limit', async () => {
      const media: Media = { resourceType: 'Media', status: 'completed', content: { data: 'AQ==' } };
      const out = await extractInlineData(media, { blobs, inlineMaxBytes: 10, maxUploadBytes: 1000 });
      expect(out.resource).toBe(media);
      expect(out.pending).toEqual([]);
    });
  });
});
