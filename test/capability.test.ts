import type { CapabilityStatement } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from './helpers/test-app';
import { INTERACTIONS } from '../src/rest/interactions';
import { resourceTypes } from '../src/validation/definitions';

describe('GET /fhir/metadata', () => {
  let t: TestApp;
  let cs: CapabilityStatement;
  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.request.get('/fhir/metadata');
    expect(res.status).toBe(200);
    cs = res.body;
  });
  afterAll(async () => {
    await t.close();
  });

  it('is a valid R4 CapabilityStatement for this instance', async () => {
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.kind).toBe('instance');
    expect(cs.status).toBe('active');
    expect(cs.implementation?.url).toBe('http://relay.test/fhir');
    expect(cs.format).toContain('application/fhir+json');
    const stored = await t.request.post('/fhir/CapabilityStatement').set('Content-Type', 'application/fhir+json').send(cs);
    expect(stored.status).toBe(201);
  });

  it('lists every R4 resource type with exactly the registered interactions', () => {
    const rest = cs.rest?.[0];
    expect(rest?.mode).toBe('server');
    expect(rest?.resource?.map((r) => r.type).sort()).toEqual([...resourceTypes()].sort());
    expect(rest?.resource?.length).toBeGreaterThanOrEqual(145);
    const typeCodes = [...new Set(INTERACTIONS.filter((i) => i.level !== 'system' && i.code !== 'operation').map((i) => i.code))].sort();
    for (const r of rest?.resource ?? []) {
      expect(r.interaction?.map((i) => i.code).sort()).toEqual(typeCodes);
      expect(r.versioning).toBe('versioned-update');
      expect(r.updateCreate).toBe(true);
      expect(r.conditionalCreate).toBe(true);
      expect(r.conditionalUpdate).toBe(true);
      expect(r.conditionalDelete).toBe('single');
    }
    expect(rest?.interaction?.map((i) => i.code).sort()).toEqual(['batch', 'history-system', 'search-system', 'transaction']);
  });

  it('lists the search parameters the registry serves, per type', () => {
    const patient = cs.rest?.[0].resource?.find((r) => r.type === 'Patient');
    const byName = new Map(patient?.searchParam?.map((p) => [p.name, p]));
    expect(byName.get('name')).toMatchObject({ type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/Patient-name' });
    expect(byName.get('identifier')?.type).toBe('token');
    expect(byName.get('_lastUpdated')?.type).toBe('date');
    const observation = cs.rest?.[0].resource?.find((r) => r.type === 'Observation');
    expect(observation?.searchParam?.find((p) => p.name === 'code-value-quantity')?.type).toBe('composite');
  });

  it('does not list resource types that are not R4 (e.g. Medplum-only ones)', () => {
    const types = cs.rest?.[0].resource?.map((r) => r.type) ?? [];
    expect(types).not.toContain('Project');
    expect(types).not.toContain('ClientApplication');
    expect(types).toContain('ServiceRequest');
    expect(types).toContain('Media');
  });
});
