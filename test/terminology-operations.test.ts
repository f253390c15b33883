import type { CapabilityStatement, CodeSystem, OperationOutcome, Parameters, ValueSet } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';

const FHIR = 'application/fhir+json';
const SPECIALTY_VS = 'https://relay.example/fhir/ValueSet/consult-specialty';
const SPECIALTY = 'https://relay.example/fhir/CodeSystem/consult-specialty';
const CATEGORY = 'https://relay.example/fhir/CodeSystem/consult-communication-category';
const GENDER = 'http://hl7.org/fhir/administrative-gender';
const EYE_VS = 'http://clinic.example/fhir/ValueSet/eye-or-skin';
const COLOURS = 'http://clinic.example/fhir/CodeSystem/colours';

/** A client's value set: every kind of ophthalmology consult except plain ophthalmology, plus dermatology. */
const eyeOrSkin: ValueSet = {
  resourceType: 'ValueSet',
  url: EYE_VS,
  status: 'active',
  title: 'Eye or skin',
  compose: {
    include: [
      { system: SPECIALTY, filter: [{ property: 'concept', op: 'is-a', value: 'ophthalmology' }] },
      { system: SPECIALTY, concept: [{ code: 'dermatology', display: 'Skin' }] },
    ],
    exclude: [{ system: SPECIALTY, concept: [{ code: 'ophthalmology' }] }],
  },
};

/** A client's code system, with a designation, a retired code and an abstract one. */
const colours: CodeSystem = {
  resourceType: 'CodeSystem',
  url: COLOURS,
  name: 'Colours',
  version: '3',
  status: 'active',
  content: 'complete',
  property: [
    { code: 'status', type: 'code' },
    { code: 'notSelectable', type: 'boolean' },
  ],
  concept: [
    {
      code: 'warm',
      display: 'Warm',
      property: [{ code: 'notSelectable', valueBoolean: true }],
      concept: [
        { code: 'red', display: 'Red', designation: [{ language: 'fr', value: 'Rouge' }] },
        { code: 'amber', display: 'Amber', property: [{ code: 'status', valueCode: 'retired' }] },
      ],
    },
    { code: 'blue', display: 'Blue' },
  ],
};

const codesOf = (vs: ValueSet) => vs.expansion?.contains?.map((c) => c.code) ?? [];
const param = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name);
const diagnostics = (o: OperationOutcome) => o.issue?.[0]?.diagnostics ?? '';

describe('terminology operations', () => {
  let t: TestApp;
  let eyeOrSkinId: string;
  let coloursId: string;
  const post = (path: string, body: unknown) => t.request.post(path).set('Content-Type', FHIR).send(body as object);

  beforeAll(async () => {
    t = await startTestApp();
    const vs = await post('/fhir/ValueSet', eyeOrSkin);
    expect(vs.status).toBe(201);
    eyeOrSkinId = vs.body.id;
    const cs = await post('/fhir/CodeSystem', colours);
    expect(cs.status).toBe(201);
    coloursId = cs.body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('ValueSet/$expand', () => {
    it("expands Relay's consult-specialty value set by url, with displays, in hierarchy order", async () => {
      const res = await t.request.get('/fhir/ValueSet/$expand').query({ url: SPECIALTY_VS });
      expect(res.status).toBe(200);
      const vs: ValueSet = res.body;
      expect(vs).toMatchObject({ resourceType: 'ValueSet', url: SPECIALTY_VS, id: 'consult-specialty' });
      expect(vs.compose).toBeUndefined();
      expect(vs.expansion).toMatchObject({ identifier: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/), total: 8, offset: 0 });
      expect(new Date(vs.expansion?.timestamp as string).toISOString()).toBe(vs.expansion?.timestamp);
      expect(codesOf(vs)).toEqual(['dermatology', 'ophthalmology', 'diabetic-retinopathy-screening', 'radiology', 'pathology', 'urology', 'physical-therapy', 'general']);
      expect(vs.expansion?.contains?.[2]).toEqual({ system: SPECIALTY, code: 'diabetic-retinopathy-screening', display: 'Diabetic retinopathy screening' });
    });

    it('pages with count and offset, echoing them; total counts every code', async () => {
      const res = await t.request.get('/fhir/ValueSet/consult-specialty/$expand?count=3&offset=2');
      expect(res.status).toBe(200);
      expect(res.body.expansion).toMatchObject({ total: 8, offset: 2, parameter: [{ name: 'offset', valueInteger: 2 }, { name: 'count', valueInteger: 3 }] });
      expect(codesOf(res.body)).toEqual(['diabetic-retinopathy-screening', 'radiology', 'pathology']);
      const last = await t.request.get('/fhir/ValueSet/consult-specialty/$expand?count=3&offset=6');
      expect(codesOf(last.body)).toEqual(['physical-therapy', 'general']);
      const sizeOnly = await t.request.get('/fhir/ValueSet/consult-specialty/$expand?count=0');
      expect(sizeOnly.body.expansion.total).toBe(8);
      expect(sizeOnly.body.expansion.contains).toBeUndefined();
    });

    it('filters on code or display, case-insensitively', async () => {
      const byCode = await t.request.get('/fhir/ValueSet/$expand').query({ url: SPECIALTY_VS, filter: 'RETINO' });
      expect(codesOf(byCode.body)).toEqual(['diabetic-retinopathy-screening']);
      expect(byCode.body.expansion.total).toBe(1);
      const byDisplay = await t.request.get('/fhir/ValueSet/$expand').query({ url: SPECIALTY_VS, filter: 'general medicine' });
      expect(codesOf(byDisplay.body)).toEqual(['general']);
      expect(byDisplay.body.expansion.parameter).toEqual([{ name: 'filter', valueString: 'general medicine' }]);
    });

    it('expands R4 core value sets (administrative-gender, request-priority)', async () => {
      const gender = await t.request.get('/fhir/ValueSet/$expand').query({ url: 'http://hl7.org/fhir/ValueSet/administrative-gender' });
      expect(gender.status).toBe(200);
      expect(gender.body.expansion.contains).toEqual([
        { system: GENDER, code: 'male', display: 'Male' },
        { system: GENDER, code: 'female', display: 'Female' },
        { system: GENDER, code: 'other', display: 'Other' },
        { system: GENDER, code: 'unknown', display: 'Unknown' },
      ]);
      const priority = await post('/fhir/ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: 'http://hl7.org/fhir/ValueSet/request-priority|4.0.1' }] });
      expect(priority.status).toBe(200);
      expect(priority.body.expansion.contains.map((c: { code: string; display: string }) => `${c.code}=${c.display}`)).toEqual(['routine=Routine', 'urgent=Urgent', 'asap=ASAP', 'stat=STAT']);
    });

    it('expands a stored ValueSet at instance level: an is-a filter, a concept list and an exclusion', async () => {
      const res = await t.request.get(`/fhir/ValueSet/${eyeOrSkinId}/$expand`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(eyeOrSkinId);
      expect(res.body.expansion.contains).toEqual([
        { system: SPECIALTY, code: 'diabetic-retinopathy-screening', display: 'Diabetic retinopathy screening' },
        { system: SPECIALTY, code: 'dermatology', display: 'Skin' },
      ]);
    });

    it('finds a stored ValueSet by url, and expands the same value set given inline in Parameters.valueSet', async () => {
      const byUrl = await post('/fhir/ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: EYE_VS }] });
      expect(byUrl.status).toBe(200);
      expect(codesOf(byUrl.body)).toEqual(['diabetic-retinopathy-screening', 'dermatology']);
      const inline = await post('/fhir/ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: { ...eyeOrSkin, url: 'http://clinic.example/fhir/ValueSet/unsaved' } }, { name: 'filter', valueString: 'skin' }] });
      expect(inline.status).toBe(200);
      expect(inline.body.url).toBe('http://clinic.example/fhir/ValueSet/unsaved');
      expect(codesOf(inline.body)).toEqual(['dermatology']);
    });

    it('includes a whole code system, and imports value sets (stored and core)', async () => {
      const whole: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: CATEGORY }] } };
      const res = await post('/fhir/ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: whole }] });
      expect(res.status).toBe(200);
      expect(res.body.expansion.contains.map((c: { code: string }) => c.code)).toEqual(['request-for-information', 'reply', 'notification']);
      expect(res.body.expansion.contains.every((c: { display?: string }) => typeof c.display === 'string')).toBe(true);
      const imports: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ valueSet: [EYE_VS] }, { valueSet: ['http://hl7.org/fhir/ValueSet/administrative-gender'] }] } };
      const imported = await post('/fhir/ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: imports }] });
      expect(imported.status).toBe(200);
      expect(codesOf(imported.body)).toEqual(['diabetic-retinopathy-screening', 'dermatology', 'male', 'female', 'other', 'unknown']);
    });

    it("draws on a stored CodeSystem: activeOnly, excludeNotForUI and includeDesignations", async () => {
      const vs: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: COLOURS }] } };
      const plain = await post('/fhir/ValueSet/$expand', vs);
      expect(plain.status).toBe(200);
      expect(plain.body.expansion.contains).toEqual([
        { system: COLOURS, abstract: true, code: 'warm', display: 'Warm' },
        { system: COLOURS, code: 'red', display: 'Red' },
        { system: COLOURS, inactive: true, code: 'amber', display: 'Amber' },
        { system: COLOURS, code: 'blue', display: 'Blue' },
      ]);
      const params = { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: vs }, { name: 'activeOnly', valueBoolean: true }, { name: 'excludeNotForUI', valueBoolean: true }, { name: 'includeDesignations', valueBoolean: true }] };
      const narrowed = await post('/fhir/ValueSet/$expand', params);
      expect(narrowed.body.expansion.contains).toEqual([
        { system: COLOURS, code: 'red', display: 'Red', designation: [{ language: 'fr', value: 'Rouge' }] },
        { system: COLOURS, code: 'blue', display: 'Blue' },
      ]);
    });

    it('answers 404 for an unknown url or id', async () => {
      const res = await t.request.get('/fhir/ValueSet/$expand').query({ url: 'http://nowhere.example/ValueSet/x' });
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(diagnostics(res.body)).toContain('http://nowhere.example/ValueSet/x');
      const versioned = await t.request.get('/fhir/ValueSet/$expand').query({ url: SPECIALTY_VS, valueSetVersion: '9.9.9' });
      expect(versioned.status).toBe(404);
      expect((await t.request.get('/fhir/ValueSet/no-such-id/$expand')).status).toBe(404);
    });

    it('answers 400 not-supported, with the reason, for a SNOMED CT value set', async () => {
      const res = await t.request.get('/fhir/ValueSet/$expand').query({ url: 'http://hl7.org/fhir/ValueSet/clinical-findings' });
      expect(res.status).toBe(400);
      expect(res.body.issue[0]).toMatchObject({ severity: 'error', code: 'not-supported' });
      expect(diagnostics(res.body)).toContain('includes SNOMED CT (http://snomed.info/sct)');
    });

    it('answers 400 for a request that names no value set, names it twice, or has a bad count', async () => {
      expect((await t.request.get('/fhir/ValueSet/$expand')).status).toBe(400);
      expect((await t.request.get('/fhir/ValueSet/consult-specialty/$expand').query({ url: SPECIALTY_VS })).status).toBe(400);
      const bad = await t.request.get('/fhir/ValueSet/$expand').query({ url: SPECIALTY_VS, count: '-1' });
      expect(bad.status).toBe(400);
      expect(bad.body.issue[0].expression).toEqual(['count']);
      expect((await post('/fhir/ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: colours }] })).status).toBe(400);
    });
  });

  describe('ValueSet/$validate-code', () => {
    it('answers true with the display for a code and system of the value set (GET)', async () => {
      const res = await t.request.get('/fhir/ValueSet/$validate-code').query({ url: SPECIALTY_VS, system: SPECIALTY, code: 'diabetic-retinopathy-screening' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: true }, { name: 'display', valueString: 'Diabetic retinopathy screening' }] });
    });

    it('answers false with a message for an unknown code, and for a code outside the value set', async () => {
      const unknown = await t.request.get('/fhir/ValueSet/$validate-code').query({ url: SPECIALTY_VS, system: SPECIALTY, code: 'cardiology' });
      expect(unknown.status).toBe(200);
      expect(param(unknown.body, 'result')?.valueBoolean).toBe(false);
      expect(param(unknown.body, 'message')?.valueString).toBe(`${SPECIALTY}#cardiology is not in value set "Consult specialty" (${SPECIALTY_VS}): code system ${SPECIALTY} has no code "cardiology"`);
      const outside = await t.request.get(`/fhir/ValueSet/${eyeOrSkinId}/$validate-code`).query({ system: SPECIALTY, code: 'ophthalmology' });
      expect(param(outside.body, 'result')?.valueBoolean).toBe(false);
      expect(param(outside.body, 'message')?.valueString).toBe(`${SPECIALTY}#ophthalmology is not in value set "Eye or skin" (${EYE_VS})`);
    });

    it('validates a coding (POST) and keeps result true but warns about a wrong display', async () => {
      const ok = await post('/fhir/ValueSet/$validate-code', { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: SPECIALTY_VS }, { name: 'coding', valueCoding: { system: SPECIALTY, code: 'radiology', display: 'radiology' } }] });
      expect(ok.status).toBe(200);
      expect(ok.body.parameter).toEqual([{ name: 'result', valueBoolean: true }, { name: 'display', valueString: 'Radiology' }]);
      const wrong = await t.request.get('/fhir/ValueSet/$validate-code').query({ url: SPECIALTY_VS, system: SPECIALTY, code: 'radiology', display: 'X-rays' });
      expect(wrong.body.parameter).toEqual([
        { name: 'result', valueBoolean: true },
        { name: 'message', valueString: `display "X-rays" is not a display of ${SPECIALTY}#radiology: expected "Radiology"` },
        { name: 'display', valueString: 'Radiology' },
      ]);
    });

    it('accepts a codeableConcept when one of its codings is in the value set', async () => {
      const concept = { coding: [{ system: 'http://snomed.info/sct', code: '394813003' }, { system: SPECIALTY, code: 'dermatology' }] };
      const ok = await post(`/fhir/ValueSet/${eyeOrSkinId}/$validate-code`, { resourceType: 'Parameters', parameter: [{ name: 'codeableConcept', valueCodeableConcept: concept }] });
      expect(ok.status).toBe(200);
      expect(ok.body.parameter).toEqual([{ name: 'result', valueBoolean: true }, { name: 'display', valueString: 'Skin' }]);
      const none = await post(`/fhir/ValueSet/${eyeOrSkinId}/$validate-code`, { resourceType: 'Parameters', parameter: [{ name: 'codeableConcept', valueCodeableConcept: { coding: [concept.coding[0]] } }] });
      expect(param(none.body, 'result')?.valueBoolean).toBe(false);
      expect(param(none.body, 'message')?.valueString).toContain('http://snomed.info/sct#394813003 is not in value set "Eye or skin"');
    });

    it('validates against R4 core value sets, by enumeration and by syntax', async () => {
      const gender = await t.request.get('/fhir/ValueSet/$validate-code').query({ url: 'http://hl7.org/fhir/ValueSet/administrative-gender', system: GENDER, code: 'male' });
      expect(gender.body.parameter).toEqual([{ name: 'result', valueBoolean: true }, { name: 'display', valueString: 'Male' }]);
      const mime = await t.request.get('/fhir/ValueSet/$validate-code').query({ url: 'http://hl7.org/fhir/ValueSet/mimetypes', system: 'urn:ietf:bcp:13', code: 'image/jpeg' });
      expect(param(mime.body, 'result')?.valueBoolean).toBe(true);
    });

    it('answers 400 for a value set it cannot check or a request without a code, and 404 for an unknown value set', async () => {
      const snomed = await t.request.get('/fhir/ValueSet/$validate-code').query({ url: 'http://hl7.org/fhir/ValueSet/clinical-findings', system: 'http://snomed.info/sct', code: '404684003' });
      expect(snomed.status).toBe(400);
      expect(snomed.body.issue[0].code).toBe('not-supported');
      expect(diagnostics(snomed.body)).toContain('SNOMED CT');
      expect((await t.request.get('/fhir/ValueSet/$validate-code').query({ url: SPECIALTY_VS })).status).toBe(400);
      expect((await t.request.get('/fhir/ValueSet/$validate-code').query({ url: 'http://nowhere.example/vs', system: SPECIALTY, code: 'general' })).status).toBe(404);
    });
  });

  describe('CodeSystem/$validate-code', () => {
    it('checks a code against a code system by url, and at instance level', async () => {
      const ok = await t.request.get('/fhir/CodeSystem/$validate-code').query({ url: SPECIALTY, code: 'ophthalmology' });
      expect(ok.body.parameter).toEqual([{ name: 'result', valueBoolean: true }, { name: 'display', valueString: 'Ophthalmology' }]);
      const bad = await t.request.get('/fhir/CodeSystem/$validate-code').query({ url: SPECIALTY, code: 'cardiology' });
      expect(bad.body.parameter).toEqual([{ name: 'result', valueBoolean: false }, { name: 'message', valueString: `code system ${SPECIALTY} has no code "cardiology"` }]);
      const stored = await post(`/fhir/CodeSystem/${coloursId}/$validate-code`, { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: COLOURS, code: 'amber' } }] });
      expect(stored.body.parameter).toEqual([{ name: 'result', valueBoolean: true }, { name: 'display', valueString: 'Amber' }]);
      expect((await t.request.get('/fhir/CodeSystem/$validate-code').query({ url: 'http://nowhere.example/cs', code: 'x' })).status).toBe(404);
    });
  });

  describe('CodeSystem/$lookup', () => {
    it("looks up a Relay code: name, version, display, definition and its parent", async () => {
      const res = await t.request.get('/fhir/CodeSystem/$lookup').query({ system: SPECIALTY, code: 'diabetic-retinopathy-screening' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        resourceType: 'Parameters',
        parameter: [
          { name: 'name', valueString: 'Consult specialty' },
          { name: 'version', valueString: '0.1.0' },
          { name: 'display', valueString: 'Diabetic retinopathy screening' },
          { name: 'property', part: [{ name: 'code', valueCode: 'definition' }, { name: 'value', valueString: 'Grading of retinal images of a patient with diabetes.' }] },
          { name: 'property', part: [{ name: 'code', valueCode: 'parent' }, { name: 'value', valueCode: 'ophthalmology' }, { name: 'description', valueString: 'Ophthalmology' }] },
        ],
      });
    });

    it('shows the children of a parent code (POST with a coding, property=child)', async () => {
      const res = await post('/fhir/CodeSystem/$lookup', { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: SPECIALTY, code: 'ophthalmology' } }, { name: 'property', valueCode: 'child' }] });
      expect(res.status).toBe(200);
      expect(res.body.parameter.filter((p: { name: string }) => p.name === 'property')).toEqual([
        { name: 'property', part: [{ name: 'code', valueCode: 'child' }, { name: 'value', valueCode: 'diabetic-retinopathy-screening' }, { name: 'description', valueString: 'Diabetic retinopathy screening' }] },
      ]);
    });

    it('looks up an R4 core code', async () => {
      const res = await t.request.get('/fhir/CodeSystem/$lookup').query({ system: GENDER, code: 'male' });
      expect(res.status).toBe(200);
      expect(param(res.body, 'name')?.valueString).toBe('AdministrativeGender');
      expect(param(res.body, 'version')?.valueString).toBe('4.0.1');
      expect(param(res.body, 'display')?.valueString).toBe('Male');
    });

    it('looks up a code of a stored CodeSystem, with its designations and properties', async () => {
      const res = await t.request.get('/fhir/CodeSystem/$lookup').query({ system: COLOURS, code: 'red' });
      expect(res.status).toBe(200);
      expect(res.body.parameter).toEqual([
        { name: 'name', valueString: 'Colours' },
        { name: 'version', valueString: '3' },
        { name: 'display', valueString: 'Red' },
        { name: 'designation', part: [{ name: 'language', valueCode: 'fr' }, { name: 'value', valueString: 'Rouge' }] },
        { name: 'property', part: [{ name: 'code', valueCode: 'parent' }, { name: 'value', valueCode: 'warm' }, { name: 'description', valueString: 'Warm' }] },
      ]);
      const retired = await t.request.get('/fhir/CodeSystem/$lookup').query({ system: COLOURS, code: 'amber', property: 'status' });
      expect(retired.body.parameter.slice(3)).toEqual([{ name: 'property', part: [{ name: 'code', valueCode: 'status' }, { name: 'value', valueCode: 'retired' }] }]);
    });

    it('answers 404 naming the code and system for an unknown code, 404 for an unknown system, 400 for SNOMED CT', async () => {
      const code = await t.request.get('/fhir/CodeSystem/$lookup').query({ system: SPECIALTY, code: 'cardiology' });
      expect(code.status).toBe(404);
      expect(diagnostics(code.body)).toBe(`code "cardiology" is not in code system ${SPECIALTY}`);
      const system = await t.request.get('/fhir/CodeSystem/$lookup').query({ system: 'http://nowhere.example/cs', code: 'x' });
      expect(system.status).toBe(404);
      expect(diagnostics(system.body)).toContain('http://nowhere.example/cs');
      const version = await t.request.get('/fhir/CodeSystem/$lookup').query({ system: SPECIALTY, code: 'general', version: '9' });
      expect(version.status).toBe(404);
      const snomed = await t.request.get('/fhir/CodeSystem/$lookup').query({ system: 'http://snomed.info/sct', code: '404684003' });
      expect(snomed.status).toBe(400);
      expect(snomed.body.issue[0].code).toBe('not-supported');
      expect((await t.request.get('/fhir/CodeSystem/$lookup').query({ code: 'male' })).status).toBe(400);
    });
  });

  it('lists the operations on ValueSet and CodeSystem in the CapabilityStatement', async () => {
    const cs: CapabilityStatement = (await t.request.get('/fhir/metadata')).body;
    const ops = (type: string) => cs.rest?.[0].resource?.find((r) => r.type === type)?.operation ?? [];
    expect(ops('ValueSet')).toEqual(
      expect.arrayContaining([
        { name: 'expand', definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand' },
        { name: 'validate-code', definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code' },
      ]),
    );
    expect(ops('CodeSystem')).toEqual(
      expect.arrayContaining([
        { name: 'lookup', definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup' },
        { name: 'validate-code', definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code' },
      ]),
    );
    expect(ops('Patient').map((o) => o.name)).not.toContain('expand');
  });
});
