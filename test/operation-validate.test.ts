/**
 * $validate (R4 resource-operation-validate.html; Relay's OperationDefinition `validate` in
 * profiles/): POST [type]/$validate and GET|POST [type]/[id]/$validate, with the resource as body or
 * a Parameters{resource, mode, profile}. Always 200 with an OperationOutcome unless the request
 * cannot be validated at all (400; 404 for a missing instance); never writes.
 */
import type { Bundle, CapabilityStatement, OperationOutcome, OperationOutcomeIssue, Parameters, Resource } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const BASE = 'https://relay.example/fhir';
const SPECIALTY = `${BASE}/CodeSystem/consult-specialty`;
const CONSULT_REQUEST = `${BASE}/StructureDefinition/consult-request`;
const VALIDATE_DEFINITION = `${BASE}/OperationDefinition/validate`;
const UNKNOWN_PROFILE = 'http://clinic.example/fhir/StructureDefinition/nowhere';

type Json = Record<string, unknown>;
const ref = (reference: string) => ({ reference });

const issuesOf = (body: OperationOutcome): OperationOutcomeIssue[] => body.issue ?? [];
const errorsOf = (body: OperationOutcome) => issuesOf(body).filter((i) => i.severity === 'error' || i.severity === 'fatal');

/** A Parameters body for $validate. */
function parameters(p: { resource?: Json; mode?: string; profile?: string }): Parameters {
  const parameter: NonNullable<Parameters['parameter']> = [];
  if (p.resource) parameter.push({ name: 'resource', resource: p.resource as unknown as Resource });
  if (p.mode) parameter.push({ name: 'mode', valueCode: p.mode });
  if (p.profile) parameter.push({ name: 'profile', valueUri: p.profile });
  return { resourceType: 'Parameters', parameter };
}

/** Asserts a 200 OperationOutcome with exactly one information issue (the resource is valid). */
function expectClean(res: { status: number; body: OperationOutcome }): void {
  expect(res.status).toBe(200);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue).toEqual([expect.objectContaining({ severity: 'information', code: 'informational', diagnostics: expect.stringContaining('No issues found') })]);
}

/** Asserts a 4xx OperationOutcome with one error issue mentioning `text`. */
function expectRefused(res: { status: number; body: OperationOutcome }, status: number, text: string, expression?: string): void {
  expect(res.status).toBe(status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(errorsOf(res.body)).toEqual([expect.objectContaining({ diagnostics: expect.stringContaining(text), ...(expression ? { expression: [expression] } : {}) })]);
}

describe('$validate', () => {
  let t: TestApp;
  let patientId: string;
  let practitionerId: string;

  const validate = (path: string, body?: unknown) => {
    const req = t.request.post(`/fhir/${path}`).set('Content-Type', FHIR);
    return body === undefined ? req : req.send(body as object);
  };
  async function create(resource: Json): Promise<Json> {
    const res = await t.request.post(`/fhir/${resource.resourceType as string}`).set('Content-Type', FHIR).send(resource);
    if (res.status !== 201) throw new Error(`creating ${resource.resourceType as string}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Json;
  }
  async function count(type: string): Promise<number> {
    return (await t.request.get(`/fhir/${type}?_summary=count`)).body.total as number;
  }

  const patient = (family = 'Nakamura'): Json => ({ resourceType: 'Patient', name: [{ family, given: ['Yuki'] }], gender: 'female' });
  /** A ServiceRequest that is not part of a consult (no consult-specialty category), valid in base R4. */
  const labOrder = (): Json => ({ resourceType: 'ServiceRequest', status: 'active', intent: 'order', code: { text: 'HbA1c' }, subject: ref(`Patient/${patientId}`) });

  beforeAll(async () => {
    t = await startTestApp();
    patientId = (await create(patient())).id as string;
    practitionerId = (await create({ resourceType: 'Practitioner', name: [{ family: 'Adeyemi' }] })).id as string;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('what it validates', () => {
    it('validates the resource sent as the body at type level: a clean one gets one information issue', async () => {
      expectClean(await validate('Patient/$validate', patient()));
    });

    it('reports the errors of an invalid resource in a 200, naming the element', async () => {
      const res = await validate('Patient/$validate', { ...patient(), gender: 'unknown-ish' });
      expect(res.status).toBe(200);
      expect(errorsOf(res.body)).toEqual([expect.objectContaining({ code: 'code-invalid', expression: ['Patient.gender'], diagnostics: expect.stringContaining('"unknown-ish"') })]);
    });

    it('takes the resource from a Parameters body', async () => {
      expectClean(await validate('Patient/$validate', parameters({ resource: patient() })));
      const res = await validate('Patient/$validate', parameters({ resource: { ...patient(), birthDate: '1980-13-45' } }));
      expect(res.status).toBe(200);
      expect(errorsOf(res.body)).toEqual([expect.objectContaining({ expression: ['Patient.birthDate'] })]);
    });

    it('checks the profile named by the `profile` query parameter', async () => {
      expectClean(await validate('ServiceRequest/$validate', labOrder()));
      const res = await validate(`ServiceRequest/$validate?profile=${encodeURIComponent(CONSULT_REQUEST)}`, labOrder());
      expect(res.status).toBe(200);
      expect(errorsOf(res.body).map((i) => i.expression?.[0]).sort()).toEqual(['ServiceRequest', 'ServiceRequest.category', 'ServiceRequest.category', 'ServiceRequest.priority', 'ServiceRequest.requester']);
      expect(errorsOf(res.body).every((i) => i.diagnostics?.includes(`(profile ${CONSULT_REQUEST}`))).toBe(true);
    });

    it('checks the profile named by the `profile` parameter of a Parameters body, with the mode', async () => {
      const res = await validate('ServiceRequest/$validate', parameters({ resource: labOrder(), mode: 'create', profile: CONSULT_REQUEST }));
      expect(res.status).toBe(200);
      expect(errorsOf(res.body)).toContainEqual(expect.objectContaining({ code: 'required', expression: ['ServiceRequest.requester'], diagnostics: expect.stringContaining(`(profile ${CONSULT_REQUEST})`) }));
      const fixed = {
        ...labOrder(),
        priority: 'routine',
        requester: ref(`Practitioner/${practitionerId}`),
        category: [{ coding: [{ system: SPECIALTY, code: 'general' }] }],
        note: [{ text: 'Review diabetes control' }],
      };
      expectClean(await validate('ServiceRequest/$validate', parameters({ resource: fixed, mode: 'create', profile: CONSULT_REQUEST })));
    });

    it('answers an unknown `profile` with an error issue in a 200 (query or Parameters)', async () => {
      const expected = [expect.objectContaining({ severity: 'error', code: 'not-supported', diagnostics: expect.stringContaining(`Profile ${UNKNOWN_PROFILE} is not known to this server`) })];
      const byQuery = await validate(`Patient/$validate?profile=${encodeURIComponent(UNKNOWN_PROFILE)}`, patient());
      expect(byQuery.status).toBe(200);
      expect(errorsOf(byQuery.body)).toEqual(expected);
      const byParameter = await validate('Patient/$validate', parameters({ resource: patient(), profile: UNKNOWN_PROFILE }));
      expect(byParameter.status).toBe(200);
      expect(errorsOf(byParameter.body)).toEqual(expected);
    });
  });

  describe('modes', () => {
    it('ignores the id in mode create (the default at type level): an invalid id or a read-only one is not judged', async () => {
      expectClean(await validate('Patient/$validate', { ...patient(), id: 'not a valid id!' }));
      expectClean(await validate('Patient/$validate', parameters({ resource: { ...patient(), id: patientId }, mode: 'create' })));
      // Creating a copy of a package profile is allowed; only its id belongs to the package.
      const sd = (await t.request.get('/fhir/StructureDefinition/consult-request')).body as Json;
      const res = await validate('StructureDefinition/$validate', parameters({ resource: { ...sd, url: 'http://clinic.example/fhir/StructureDefinition/copy' }, mode: 'create' }));
      expect(res.status).toBe(200);
      expect(issuesOf(res.body).filter((i) => i.code === 'forbidden')).toEqual([]);
    });

    it('requires the id of the body to be the id in the URL in mode update (the default at instance level)', async () => {
      const stored = await create(patient('Update'));
      expectClean(await validate(`Patient/${stored.id}/$validate`, { ...stored, gender: 'male' }));
      expectClean(await validate(`Patient/${stored.id}/$validate`, parameters({ resource: { ...stored, gender: 'male' }, mode: 'update' })));
      expectRefused(await validate(`Patient/${stored.id}/$validate`, { ...stored, id: 'someone-else' }), 400, `must be the id in the URL (${stored.id})`, 'Patient.id');
      const { id: _id, ...withoutId } = stored;
      expectRefused(await validate(`Patient/${stored.id}/$validate`, parameters({ resource: withoutId, mode: 'update' })), 400, 'for mode update', 'Patient.id');
    });

    it('reports in mode update that a package resource is read-only (forbidden issue in a 200)', async () => {
      const sd = (await t.request.get('/fhir/StructureDefinition/consult-request')).body as Json;
      const res = await validate('StructureDefinition/consult-request/$validate', sd);
      expect(res.status).toBe(200);
      expect(errorsOf(res.body)).toEqual([expect.objectContaining({ code: 'forbidden', diagnostics: expect.stringContaining('StructureDefinition/consult-request') })]);
    });

    it('validates the stored current version at instance level when no resource is sent (GET or POST)', async () => {
      const stored = await create(labOrder());
      expectClean(await t.request.get(`/fhir/ServiceRequest/${stored.id}/$validate`));
      expectClean(await validate(`ServiceRequest/${stored.id}/$validate`));
      // With a profile: the stored version is judged against it.
      const strict = await t.request.get(`/fhir/ServiceRequest/${stored.id}/$validate?profile=${encodeURIComponent(CONSULT_REQUEST)}`);
      expect(strict.status).toBe(200);
      expect(errorsOf(strict.body)).toContainEqual(expect.objectContaining({ expression: ['ServiceRequest.requester'] }));
      expect((await t.request.get('/fhir/Patient/no-such-patient/$validate')).status).toBe(404);
    });

    it('re-judges a stored resource once the profile it claims is published (instance-level GET)', async () => {
      const clinicUrl = 'http://clinic.example/fhir/StructureDefinition/clinic-referral';
      const stored = await create({ ...labOrder(), meta: { profile: [clinicUrl] } });
      const before = await t.request.get(`/fhir/ServiceRequest/${stored.id}/$validate`);
      expect(before.status).toBe(200);
      expect(issuesOf(before.body)).toEqual([expect.objectContaining({ severity: 'warning', code: 'not-supported', expression: ['ServiceRequest.meta.profile'], diagnostics: expect.stringContaining(clinicUrl) })]);
      // The clinic publishes its profile: a copy of consult-request under its url.
      const sd = (await t.request.get('/fhir/StructureDefinition/consult-request')).body as Json;
      const { id: _id, meta: _meta, ...copy } = sd;
      await create({ ...copy, url: clinicUrl, name: 'ClinicReferral' });
      const after = await t.request.get(`/fhir/ServiceRequest/${stored.id}/$validate`);
      expect(after.status).toBe(200);
      expect(errorsOf(after.body)).toContainEqual(
        expect.objectContaining({ code: 'required', expression: ['ServiceRequest.requester'], diagnostics: expect.stringContaining(`(profile ${clinicUrl})`) }),
      );
      expect((await t.request.get(`/fhir/ServiceRequest/${stored.id}`)).body.meta.versionId).toBe('1');
    });

    it('answers mode delete on an existing resource with no error', async () => {
      const stored = await create(patient('Delete'));
      const res = await validate(`Patient/${stored.id}/$validate`, parameters({ mode: 'delete' }));
      expectClean(res);
      expectClean(await t.request.post(`/fhir/Patient/${stored.id}/$validate?mode=delete`));
      expect((await t.request.get(`/fhir/Patient/${stored.id}`)).status).toBe(200);
    });

    it('answers mode delete on a package resource with a forbidden issue (200)', async () => {
      const res = await t.request.post('/fhir/Questionnaire/intake-dermatology/$validate?mode=delete');
      expect(res.status).toBe(200);
      expect(errorsOf(res.body)).toEqual([expect.objectContaining({ code: 'forbidden', diagnostics: expect.stringContaining('Questionnaire/intake-dermatology') })]);
    });

    it('answers mode delete on a missing resource with 404', async () => {
      const res = await validate('Patient/never-was/$validate', parameters({ mode: 'delete' }));
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
    });
  });

  describe('requests that cannot be validated', () => {
    it('refuses mode delete at type level (400)', async () => {
      expectRefused(await validate('Patient/$validate', parameters({ resource: patient(), mode: 'delete' })), 400, 'use [type]/[id]/$validate', 'mode');
    });

    it('refuses mode update at type level (400)', async () => {
      expectRefused(await validate('Patient/$validate?mode=update', patient()), 400, 'use [type]/[id]/$validate', 'mode');
    });

    it('refuses an unknown mode (400)', async () => {
      expectRefused(await validate('Patient/$validate', parameters({ resource: patient(), mode: 'upsert' })), 400, 'mode must be one of create, update, delete, not "upsert"', 'mode');
      expectRefused(await validate('Patient/$validate?mode=patch', patient()), 400, 'not "patch"', 'mode');
    });

    it('refuses a body whose resourceType is not the type in the URL (400)', async () => {
      expectRefused(await validate('Observation/$validate', patient()), 400, 'the body is a "Patient" but the URL is for Observation', 'resourceType');
      expectRefused(await validate('Observation/$validate', parameters({ resource: patient() })), 400, 'the "resource" parameter holds a "Patient", but the URL is for Observation', 'Parameters.parameter.resource');
    });

    it('refuses a request without a resource (400): no body, or Parameters without `resource`', async () => {
      expectRefused(await validate('Patient/$validate'), 400, 'needs a Patient to validate', 'resource');
      expectRefused(await validate('Patient/$validate', parameters({ mode: 'create' })), 400, 'needs a Patient to validate', 'resource');
      expectRefused(await t.request.get('/fhir/Patient/$validate'), 400, 'needs a Patient to validate', 'resource');
    });

    it('refuses an unknown resource type (404)', async () => {
      const res = await validate('Spaceship/$validate', { resourceType: 'Spaceship' });
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
    });
  });

  describe('side effects', () => {
    it('never writes: counts, versions and history are unchanged, whatever the mode', async () => {
      const stored = await create(patient('Untouched'));
      const history = async () => ((await t.request.get(`/fhir/Patient/${stored.id}/_history`)).body as Bundle).total;
      const before = { patients: await count('Patient'), history: await history() };

      expectClean(await validate('Patient/$validate', patient('New')));
      expectClean(await validate(`Patient/${stored.id}/$validate`, { ...stored, name: [{ family: 'Changed' }] }));
      expectClean(await validate(`Patient/${stored.id}/$validate`, parameters({ mode: 'delete' })));
      expectClean(await validate('Patient/$validate', parameters({ resource: { ...patient(), id: 'would-be-new' }, mode: 'create' })));
      expectClean(await validate('Patient/would-be-new/$validate', { ...patient(), id: 'would-be-new' }));

      expect({ patients: await count('Patient'), history: await history() }).toEqual(before);
      const current = await t.request.get(`/fhir/Patient/${stored.id}`);
      expect(current.body.meta.versionId).toBe('1');
      expect(current.body.name).toEqual((stored as { name: unknown }).name);
      expect((await t.request.get('/fhir/Patient/would-be-new')).status).toBe(404);
    });
  });

  describe('how it is described', () => {
    it('lists `validate` with its OperationDefinition on every resource type of the CapabilityStatement', async () => {
      const res = await t.request.get('/fhir/metadata');
      expect(res.status).toBe(200);
      const resources = (res.body as CapabilityStatement).rest?.[0].resource ?? [];
      expect(resources.length).toBeGreaterThan(100);
      for (const r of resources) {
        expect({ type: r.type, operation: r.operation?.filter((o) => o.name === 'validate') }).toEqual({ type: r.type, operation: [expect.objectContaining({ name: 'validate', definition: VALIDATE_DEFINITION })] });
      }
      expect(resources.map((r) => r.type)).toEqual(expect.arrayContaining(['Patient', 'ServiceRequest', 'Task', 'Media', 'QuestionnaireResponse', 'DiagnosticReport', 'Communication']));
    });

    it('serves the OperationDefinition at GET /fhir/OperationDefinition/validate', async () => {
      const res = await t.request.get('/fhir/OperationDefinition/validate');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ resourceType: 'OperationDefinition', id: 'validate', url: VALIDATE_DEFINITION, code: 'validate', system: false, type: true, instance: true, affectsState: false });
      expect(res.body.parameter.map((p: { name: string; use: string }) => `${p.use} ${p.name}`)).toEqual(['in resource', 'in mode', 'in profile', 'out return']);
      const byUrl = await t.request.get(`/fhir/OperationDefinition?url=${encodeURIComponent(VALIDATE_DEFINITION)}`);
      expect(((byUrl.body as Bundle).entry ?? []).map((e) => e.resource?.id)).toEqual(['validate']);
    });
  });
});
