import { getDataType, getSearchParameter, getSearchParameters } from '@medplum/core';
import { isResourceType, loadR4Definitions, resourceTypes } from './definitions';

beforeAll(() => loadR4Definitions());

describe('R4 definitions', () => {
  it('lists the 146 concrete R4 resource types, sorted', () => {
    const types = resourceTypes();
    expect(types).toHaveLength(146);
    expect(types).toEqual([...types].sort());
    expect(types).toEqual(expect.arrayContaining(['Binary', 'Bundle', 'Parameters', 'Patient', 'ServiceRequest', 'Task', 'Media', 'QuestionnaireResponse']));
  });

  it('excludes abstract types and types that are not R4 (Medplum types, SubscriptionStatus)', () => {
    for (const name of ['Resource', 'DomainResource', 'MetadataResource', 'SubscriptionStatus', 'Project', 'ClientApplication', 'Bot', 'User', 'Patient2', '']) {
      expect(isResourceType(name)).toBe(false);
    }
    expect(isResourceType('Binary')).toBe(true);
  });

  it('is idempotent and indexes the plain R4 Meta (no Medplum fields)', () => {
    loadR4Definitions();
    expect(Object.keys(getDataType('Meta').elements).sort()).toEqual(['extension', 'id', 'lastUpdated', 'profile', 'security', 'source', 'tag', 'versionId']);
  });

  it('indexes the R4 search parameters only', () => {
    expect(getSearchParameter('ServiceRequest', 'patient')?.expression).toContain('ServiceRequest.subject');
    expect(getSearchParameter('Patient', 'family')).toBeDefined();
    expect(getSearchParameter('Patient', '_compartment')).toBeUndefined();
    expect(getSearchParameter('DetectedIssue', 'status')).toBeUndefined();
    expect(getSearchParameters('Project')).toBeUndefined();
  });
});
