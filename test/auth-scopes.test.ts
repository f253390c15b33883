/** SMART scopes (SMART App Launch 2.x scopes-and-launch-context.html) and the scope → interaction table, unit by unit. */
import { covers, grantScopes, parseScope, parseScopes, permits, type ResourceScope } from '../src/auth/scopes';
import { lettersFor } from '../src/auth/requirements';
import { scopeAccess } from '../src/repository/access';
import type { Grant } from '../src/auth/grant';

const letters = (s: ResourceScope | undefined) => [...(s?.letters ?? [])].sort().join('');

describe('parseScope', () => {
  it.each([
    ['patient/*.read', 'patient', '*', 'rs', 1],
    ['user/Observation.write', 'user', 'Observation', 'cdu', 1],
    ['system/*.*', 'system', '*', 'cdrsu', 1],
    ['system/Patient.rs', 'system', 'Patient', 'rs', 2],
    ['system/*.cruds', 'system', '*', 'cdrsu', 2],
    ['user/Task.u', 'user', 'Task', 'u', 2],
  ])('reads %s', (text, context, type, expected, version) => {
    const scope = parseScope(text);
    expect(scope).toMatchObject({ text, context, type, version });
    expect(letters(scope)).toBe(expected);
  });

  it('keeps a v2 query restriction', () => {
    expect(parseScope('patient/Observation.rs?category=laboratory&code=http://loinc.org|1234-5')?.restriction).toEqual({ category: ['laboratory'], code: ['http://loinc.org|1234-5'] });
  });

  it.each(['system/Patient.sr', 'system/Patient.rr', 'system/Patient.', 'system/Patient.x', 'admin/*.read', 'system/patient.read', 'patient/*.read?x=1', 'openid', 'launch/patient', 'system/Patient.rs?'])(
    'does not take %s as a resource scope',
    (text) => {
      expect(parseScope(text)).toBeUndefined();
    },
  );

  it('splits resource scopes from the others', () => {
    const { resource, other } = parseScopes('openid fhirUser  system/Patient.rs launch/patient');
    expect(resource.map((s) => s.text)).toEqual(['system/Patient.rs']);
    expect(other).toEqual(['openid', 'fhirUser', 'launch/patient']);
  });
});

describe('permits', () => {
  const scopes = parseScopes('system/Patient.r user/Observation.write system/*.s patient/Condition.rs?clinical-status=active').resource;

  it('unites the scopes', () => {
    expect(permits(scopes, 'r', 'Patient')).toBe(true);
    expect(permits(scopes, 's', 'Encounter')).toBe(true);
    expect(permits(scopes, 'c', 'Observation')).toBe(true);
    expect(permits(scopes, 'r', 'Observation')).toBe(false);
    expect(permits(scopes, 'u', 'Patient')).toBe(false);
  });

  it('lets a query-restricted scope grant its letters on the type (the query narrows per resource: access/scope-queries.ts)', () => {
    expect(permits(scopes, 'r', 'Condition')).toBe(true);
    expect(permits(scopes, 'c', 'Condition')).toBe(false);
  });
});

describe('granting requested scopes to a client', () => {
  it('grants what an allowed scope covers, as requested', () => {
    expect(grantScopes('system/Patient.r system/Observation.rs system/Task.c', ['system/*.rs', 'system/Task.cruds'])).toEqual(['system/Patient.r', 'system/Observation.rs', 'system/Task.c']);
  });

  it('grants v1 requests from v2 allowances and back', () => {
    expect(grantScopes('system/Patient.read system/Observation.rs', ['system/Patient.rs', 'system/Observation.read'])).toEqual(['system/Patient.read', 'system/Observation.rs']);
  });

  it('does not widen: letters, type, context', () => {
    expect(grantScopes('system/Patient.cruds user/Patient.r system/*.r', ['system/Patient.rs'])).toEqual([]);
  });

  it('treats a restricted allowance as covering only the same restriction', () => {
    const allowed = parseScope('system/Observation.rs?category=laboratory') as ResourceScope;
    expect(covers(allowed, parseScope('system/Observation.r?category=laboratory') as ResourceScope)).toBe(true);
    expect(covers(allowed, parseScope('system/Observation.r') as ResourceScope)).toBe(false);
  });
});

describe('scope letters per interaction', () => {
  it.each([
    ['read', 'r'],
    ['vread', 'r'],
    ['history-instance', 'r'],
    ['search-type', 's'],
    ['search-system', 's'],
    ['history-type', 's'],
    ['history-system', 's'],
    ['create', 'c'],
    ['update', 'u'],
    ['patch', 'u'],
    ['delete', 'd'],
  ] as const)('%s needs %s', (interaction, letter) => {
    expect(lettersFor(interaction)).toEqual([letter]);
  });

  it('$validate needs r, c or u; other operations r, or u when they change state', () => {
    expect(lettersFor('operation', { name: 'validate', affectsState: false })).toEqual(['r', 'c', 'u']);
    expect(lettersFor('operation', { name: 'expand', affectsState: false })).toEqual(['r']);
    expect(lettersFor('operation', { name: 'apply', affectsState: true })).toEqual(['u']);
  });
});

describe('scopeAccess', () => {
  const grant = (scope: string): Grant => ({ issuer: 'i', subject: 'c', clientId: 'c', ...(({ resource, other }) => ({ scopes: resource, otherScopes: other }))(parseScopes(scope)), patient: 'Patient/1' });

  it('keeps the launch context of the token', () => {
    expect(scopeAccess(grant('patient/*.rs')).grant?.patient).toBe('Patient/1');
  });

  it('throws 403 forbidden naming the scope', () => {
    const access = scopeAccess(grant('system/Patient.rs'));
    expect(() => access.authorize({ interaction: 'create', type: 'Patient' })).toThrow(/create on Patient needs scope system\/Patient\.c/);
    expect(() => access.authorize({ interaction: 'read', type: 'Patient' })).not.toThrow();
    try {
      access.authorize({ interaction: 'delete', type: 'Patient' });
    } catch (err) {
      expect(err).toMatchObject({ kind: 'forbidden', outcome: { issue: [{ code: 'forbidden' }] } });
    }
  });

  it('answers the repository: types and resources seen, written', () => {
    const access = scopeAccess(grant('system/Patient.r system/Observation.c'));
    expect(access.canReadType('Patient')).toBe(true);
    expect(access.canReadType('Observation')).toBe(false);
    expect(access.canRead({ resourceType: 'Patient' })).toBe(true);
    expect(access.canWrite({ resourceType: 'Observation', status: 'final', code: {} })).toBe(true);
    expect(access.canWrite({ resourceType: 'Patient' })).toBe(false);
  });
});
