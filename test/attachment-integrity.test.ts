/**
 * Issue 6 attachment integrity (scratch/issue6-contract.md): an Attachment of Media.content,
 * DocumentReference.content.attachment or DiagnosticReport.presentedForm whose url names a Relay Binary
 * gets size and hash (base64 SHA-1, R4 Attachment.hash) filled in, is refused with 422 at the element when
 * they disagree or the Binary does not exist, and large inline data is moved into a Binary. Also through
 * a transaction, and Media search over Binary-linked content.
 */
import { createHash } from 'node:crypto';
import type { Attachment, Bundle, BundleEntry, DiagnosticReport, DocumentReference, Media, OperationOutcome } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { countOf, get, magicSamples, postBinary, seededBytes, sha1Base64 } from './helpers/binary-files';

const FHIR = 'application/fhir+json';
const BASE = 'http://relay.test/fhir';
const INLINE_MAX = 1024;
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

interface Uploaded {
  id: string;
  bytes: Buffer;
  size: number;
  hash: string;
}

describe('Attachment integrity for Binary-linked content', () => {
  let t: TestApp;
  let jpeg: Uploaded;
  let pdf: Uploaded;
  let patient: string;
  let serviceRequest: string;
  let otherServiceRequest: string;

  const post = (type: string, body: object) => t.request.post(`/fhir/${type}`).set('Content-Type', FHIR).send(body);
  const created = async (type: string, body: object): Promise<Record<string, unknown> & { id: string }> => {
    const res = await post(type, body);
    if (res.status !== 201) throw new Error(`create ${type}: ${res.status} ${JSON.stringify(res.body).slice(0, 600)}`);
    return res.body;
  };
  async function upload(contentType: string, bytes: Buffer): Promise<Uploaded> {
    const res = await postBinary(t.origin, contentType, bytes);
    if (res.status !== 201) throw new Error(`Binary upload: ${res.status} ${res.body.toString('utf8').slice(0, 600)}`);
    return { id: res.json?.id as string, bytes, size: bytes.length, hash: sha1Base64(bytes) };
  }
  /** Expects a 422 OperationOutcome with an error at `expression`, and that no `type` was stored. */
  async function expectRefused(type: string, body: object, expression: string): Promise<void> {
    const before = await countOf(t.origin, type);
    const res = await post(type, body);
    expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 422, resourceType: 'OperationOutcome' });
    const expressions = ((res.body as OperationOutcome).issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal').flatMap((i) => i.expression ?? []);
    expect(expressions).toContain(expression);
    expect(await countOf(t.origin, type)).toBe(before);
  }
  const media = (content: Attachment, basedOn = serviceRequest, modality = 'XC'): Media => ({
    resourceType: 'Media',
    status: 'completed',
    basedOn: [{ reference: `ServiceRequest/${basedOn}` }],
    subject: { reference: `Patient/${patient}` },
    modality: { coding: [{ system: DCM, code: modality }] },
    content,
  });
  const documentReference = (attachments: Attachment[]): DocumentReference => ({
    resourceType: 'DocumentReference',
    status: 'current',
    subject: { reference: `Patient/${patient}` },
    content: attachments.map((attachment) => ({ attachment })),
  });
  const diagnosticReport = (forms: Attachment[]): DiagnosticReport => ({
    resourceType: 'DiagnosticReport',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '60567-5', display: 'Comprehensive pathology report panel' }] },
    subject: { reference: `Patient/${patient}` },
    basedOn: [{ reference: `ServiceRequest/${serviceRequest}` }],
    presentedForm: forms,
  });

  beforeAll(async () => {
    t = await startTestApp({ attachmentInlineMaxBytes: INLINE_MAX });
    const samples = magicSamples();
    jpeg = await upload('image/jpeg', Buffer.concat([samples.find((s) => s.name === 'JPEG')!.bytes, seededBytes(70_001, 20_000)]));
    pdf = await upload('application/pdf', Buffer.concat([samples.find((s) => s.name === 'PDF')!.bytes, seededBytes(70_002, 5_000)]));
    patient = (await created('Patient', { resourceType: 'Patient', name: [{ family: 'Adeyemi', given: ['Tolu'] }], gender: 'female', birthDate: '1979-06-02' })).id;
    const sr = (code: string) => ({
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      code: { coding: [{ system: 'http://snomed.info/sct', code, display: 'Dermatological examination' }] },
      subject: { reference: `Patient/${patient}` },
    });
    serviceRequest = (await created('ServiceRequest', sr('373003003'))).id;
    otherServiceRequest = (await created('ServiceRequest', sr('373003003'))).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('size and hash filled in when absent', () => {
    it.each([
      ['a relative url Binary/<id>', (id: string) => `Binary/${id}`],
      ['an absolute url on the server base', (id: string) => `${BASE}/Binary/${id}`],
    ])('on Media.content with %s', async (_name, url) => {
      const res = await post('Media', media({ contentType: 'image/jpeg', url: url(jpeg.id) }));
      expect(res.status).toBe(201);
      expect(res.body.content).toEqual({ contentType: 'image/jpeg', url: url(jpeg.id), size: jpeg.size, hash: jpeg.hash });
      const read = await t.request.get(`/fhir/Media/${res.body.id}`);
      expect(read.body.content).toMatchObject({ size: jpeg.size, hash: jpeg.hash });
    });

    it('on every DocumentReference.content.attachment', async () => {
      const res = await post('DocumentReference', documentReference([{ contentType: 'application/pdf', url: `Binary/${pdf.id}` }, { contentType: 'image/jpeg', url: `Binary/${jpeg.id}`, title: 'photo' }]));
      expect(res.status).toBe(201);
      expect(res.body.content.map((c: { attachment: Attachment }) => c.attachment)).toEqual([
        { contentType: 'application/pdf', url: `Binary/${pdf.id}`, size: pdf.size, hash: pdf.hash },
        { contentType: 'image/jpeg', url: `Binary/${jpeg.id}`, title: 'photo', size: jpeg.size, hash: jpeg.hash },
      ]);
    });

    it('on DiagnosticReport.presentedForm', async () => {
      const res = await post('DiagnosticReport', diagnosticReport([{ contentType: 'application/pdf', url: `${BASE}/Binary/${pdf.id}` }]));
      expect(res.status).toBe(201);
      expect(res.body.presentedForm).toEqual([{ contentType: 'application/pdf', url: `${BASE}/Binary/${pdf.id}`, size: pdf.size, hash: pdf.hash }]);
    });

    it('keeps a correct size and hash as sent, and checks an update like a create', async () => {
      const res = await post('Media', media({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}`, size: jpeg.size, hash: jpeg.hash }));
      expect(res.status).toBe(201);
      expect(res.body.content).toEqual({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}`, size: jpeg.size, hash: jpeg.hash });
      const wrong = { ...res.body, content: { ...res.body.content, size: jpeg.size + 1 } };
      const put = await t.request.put(`/fhir/Media/${res.body.id}`).set('Content-Type', FHIR).send(wrong);
      expect({ status: put.status, expressions: (put.body.issue ?? []).flatMap((i: { expression?: string[] }) => i.expression ?? []) }).toEqual({
        status: 422,
        expressions: expect.arrayContaining(['Media.content.size']),
      });
      expect((await t.request.get(`/fhir/Media/${res.body.id}`)).body.meta.versionId).toBe('1');
    });
  });

  describe('disagreeing or dangling attachments are refused with 422 at the element, and nothing is stored', () => {
    it('a wrong Media.content.size', async () => {
      await expectRefused('Media', media({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}`, size: jpeg.size - 1 }), 'Media.content.size');
    });
    it('a wrong Media.content.hash (the SHA-256 instead of the SHA-1)', async () => {
      const sha256 = createHash('sha256').update(jpeg.bytes).digest('base64');
      await expectRefused('Media', media({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}`, hash: sha256 }), 'Media.content.hash');
    });
    it('a wrong hash on the second DocumentReference attachment', async () => {
      await expectRefused(
        'DocumentReference',
        documentReference([
          { contentType: 'application/pdf', url: `Binary/${pdf.id}` },
          { contentType: 'image/jpeg', url: `Binary/${jpeg.id}`, hash: pdf.hash },
        ]),
        'DocumentReference.content[1].attachment.hash',
      );
    });
    it('a wrong DiagnosticReport.presentedForm size', async () => {
      await expectRefused('DiagnosticReport', diagnosticReport([{ contentType: 'application/pdf', url: `Binary/${pdf.id}`, size: 1 }]), 'DiagnosticReport.presentedForm[0].size');
    });
    it('a url naming a Binary that does not exist', async () => {
      await expectRefused('Media', media({ contentType: 'image/jpeg', url: 'Binary/no-such-binary' }), 'Media.content.url');
      await expectRefused('DocumentReference', documentReference([{ contentType: 'application/pdf', url: `${BASE}/Binary/no-such-binary` }]), 'DocumentReference.content[0].attachment.url');
    });
  });

  describe('inline data', () => {
    it('moves data larger than attachmentInlineMaxBytes into a Binary, leaving url, size and hash', async () => {
      const bytes = Buffer.concat([magicSamples().find((s) => s.name === 'JPEG')!.bytes, seededBytes(70_003, 3000)]);
      const binaries = await countOf(t.origin, 'Binary');
      const res = await post('Media', media({ contentType: 'image/jpeg', data: bytes.toString('base64'), title: 'lesion.jpg' }));
      expect(res.status).toBe(201);
      const content = res.body.content as Attachment;
      expect(content).toEqual({ contentType: 'image/jpeg', url: expect.stringMatching(/^Binary\/[A-Za-z0-9\-.]{1,64}$/), size: bytes.length, hash: sha1Base64(bytes), title: 'lesion.jpg' });
      expect(await countOf(t.origin, 'Binary')).toBe(binaries + 1);
      const raw = await get(t.origin, `/fhir/${content.url}`);
      expect(raw.status).toBe(200);
      expect(raw.headers['content-type']).toBe('image/jpeg');
      expect(raw.body.equals(bytes)).toBe(true);
      expect((await t.request.get(`/fhir/Media/${res.body.id}`)).body.content).not.toHaveProperty('data');
    });

    it('keeps data of exactly attachmentInlineMaxBytes inline', async () => {
      const bytes = seededBytes(70_004, INLINE_MAX);
      const binaries = await countOf(t.origin, 'Binary');
      const res = await post('DocumentReference', documentReference([{ contentType: 'application/octet-stream', data: bytes.toString('base64') }]));
      expect(res.status).toBe(201);
      const attachment = res.body.content[0].attachment as Attachment;
      expect(attachment.data).toBe(bytes.toString('base64'));
      expect(attachment.url).toBeUndefined();
      expect(await countOf(t.origin, 'Binary')).toBe(binaries);
    });

    it('refuses a size or hash stated beside inline data that the data does not have (422), small or large', async () => {
      const small = seededBytes(70_006, 100);
      await expectRefused('DocumentReference', documentReference([{ contentType: 'application/octet-stream', data: small.toString('base64'), size: 99 }]), 'DocumentReference.content[0].attachment.size');
      await expectRefused('DocumentReference', documentReference([{ contentType: 'application/octet-stream', data: small.toString('base64'), hash: sha1Base64(seededBytes(1, 100)) }]), 'DocumentReference.content[0].attachment.hash');
      const large = Buffer.concat([magicSamples().find((s) => s.name === 'JPEG')!.bytes, seededBytes(70_007, 3000)]);
      const binaries = await countOf(t.origin, 'Binary');
      await expectRefused('Media', media({ contentType: 'image/jpeg', data: large.toString('base64'), size: 12 }), 'Media.content.size');
      expect(await countOf(t.origin, 'Binary')).toBe(binaries);
      const stated = await post('DocumentReference', documentReference([{ contentType: 'application/octet-stream', data: small.toString('base64'), size: 100, hash: sha1Base64(small) }]));
      expect(stated.status).toBe(201);
    });

    it('$validate reports what a create would refuse: a dangling Binary link, a wrong inline hash', async () => {
      const dangling = await t.request.post('/fhir/Media/$validate').set('Content-Type', FHIR).send(media({ contentType: 'image/jpeg', url: 'Binary/no-such-binary' }));
      expect(dangling.status).toBe(200);
      expect((dangling.body as OperationOutcome).issue).toContainEqual(expect.objectContaining({ severity: 'error', code: 'not-found', expression: ['Media.content.url'] }));
      const small = seededBytes(70_008, 50);
      const wrongHash = await t.request.post('/fhir/Media/$validate').set('Content-Type', FHIR).send(media({ contentType: 'image/jpeg', data: small.toString('base64'), hash: sha1Base64(seededBytes(2, 50)) }));
      expect((wrongHash.body as OperationOutcome).issue).toContainEqual(expect.objectContaining({ severity: 'error', expression: ['Media.content.hash'] }));
    });

    it('moves large presentedForm data of a DiagnosticReport too', async () => {
      const bytes = Buffer.concat([Buffer.from('%PDF-1.5\n'), seededBytes(70_005, 2000)]);
      const res = await post('DiagnosticReport', diagnosticReport([{ contentType: 'application/pdf', data: bytes.toString('base64') }]));
      expect(res.status).toBe(201);
      const form = res.body.presentedForm[0] as Attachment;
      expect(form).toMatchObject({ size: bytes.length, hash: sha1Base64(bytes), url: expect.stringMatching(/^Binary\//) });
      expect(form.data).toBeUndefined();
      expect((await get(t.origin, `/fhir/${form.url}`)).body.equals(bytes)).toBe(true);
    });
  });

  describe('in a transaction Bundle', () => {
    const postBundle = (bundle: Bundle) => t.request.post('/fhir').set('Content-Type', FHIR).send(bundle);
    const patientUuid = 'urn:uuid:1f0a3b2c-6d4e-4f5a-8b9c-000000000601';

    it('fills in size and hash and moves large inline data, entry by entry', async () => {
      const inline = seededBytes(70_006, 5000);
      const res = await postBundle({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: patientUuid, resource: { resourceType: 'Patient', name: [{ family: 'Mensah' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { ...media({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}` }), subject: { reference: patientUuid } }, request: { method: 'POST', url: 'Media' } },
          { resource: documentReference([{ contentType: 'application/octet-stream', data: inline.toString('base64') }]), request: { method: 'POST', url: 'DocumentReference' } },
        ],
      });
      expect(res.status).toBe(200);
      const locations = (res.body.entry as BundleEntry[]).map((e) => /([A-Za-z]+\/[^/]+)\/_history\/\d+$/.exec(e.response?.location ?? '')?.[1]);
      const storedMedia = (await t.request.get(`/fhir/${locations[1]}`)).body as Media;
      expect(storedMedia.content).toMatchObject({ url: `Binary/${jpeg.id}`, size: jpeg.size, hash: jpeg.hash });
      expect(storedMedia.subject?.reference).toBe(locations[0]);
      const storedDoc = (await t.request.get(`/fhir/${locations[2]}`)).body as DocumentReference;
      const attachment = storedDoc.content[0].attachment;
      expect(attachment).toMatchObject({ size: inline.length, hash: sha1Base64(inline), url: expect.stringMatching(/^Binary\//) });
      expect(attachment.data).toBeUndefined();
      expect((await get(t.origin, `/fhir/${attachment.url}`)).body.equals(inline)).toBe(true);
    });

    it('fails the whole transaction on a wrong hash, storing neither the other entries nor the Binary their inline data would have made', async () => {
      const counts = async () => ({ Patient: await countOf(t.origin, 'Patient'), Media: await countOf(t.origin, 'Media'), Binary: await countOf(t.origin, 'Binary') });
      const before = await counts();
      const res = await postBundle({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: patientUuid, resource: { resourceType: 'Patient', name: [{ family: 'Mensah' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: media({ contentType: 'application/octet-stream', data: seededBytes(70_007, 4000).toString('base64') }), request: { method: 'POST', url: 'Media' } },
          { resource: media({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}`, hash: pdf.hash }), request: { method: 'POST', url: 'Media' } },
        ],
      });
      expect({ status: res.status, resourceType: res.body.resourceType }).toEqual({ status: 422, resourceType: 'OperationOutcome' });
      const expressions = ((res.body as OperationOutcome).issue ?? []).flatMap((i) => i.expression ?? []);
      expect(expressions.some((e) => /^(Media|Bundle\.entry\[2\]\.resource)\.content\.hash$/.test(e))).toBe(true);
      expect(await counts()).toEqual(before);
    });
  });

  describe('Media search over Binary-linked content', () => {
    it('finds Media by based-on and modality', async () => {
      const xc = await created('Media', media({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}` }, otherServiceRequest, 'XC'));
      const sm = await created('Media', media({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}` }, otherServiceRequest, 'SM'));
      await created('Media', media({ contentType: 'image/jpeg', url: `Binary/${jpeg.id}` }, serviceRequest, 'XC'));

      const search = async (query: string) => {
        const res = await t.request.get(`/fhir/Media?${query}`);
        expect(res.status).toBe(200);
        return ((res.body as Bundle).entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource as Media);
      };
      const found = await search(`based-on=ServiceRequest/${otherServiceRequest}&modality=${encodeURIComponent(`${DCM}|XC`)}`);
      expect(found.map((m) => m.id)).toEqual([xc.id]);
      expect(found[0].content).toMatchObject({ url: `Binary/${jpeg.id}`, size: jpeg.size, hash: jpeg.hash });
      expect((await search(`based-on=ServiceRequest/${otherServiceRequest}&modality=SM`)).map((m) => m.id)).toEqual([sm.id]);
      expect((await search(`based-on=ServiceRequest/${otherServiceRequest}`)).map((m) => m.id).sort()).toEqual([xc.id, sm.id].sort());
    });
  });
});
