import { atEntry } from './errors';
import { OperationOutcomeError, fail, invalid, outcome, issue } from '../../fhir/outcome';

const entry = { index: 3, method: 'POST', url: 'Patient', request: { type: 'Patient' } };

function restated(err: unknown, element?: string): { text?: string; expression?: string[] }[] {
  const out = atEntry(err, entry, element);
  if (!(out instanceof OperationOutcomeError)) throw new Error('expected an OperationOutcomeError');
  return (out.outcome.issue ?? []).map((i) => ({ text: i.diagnostics, expression: i.expression }));
}

describe('atEntry', () => {
  it('moves resource paths into entry.resource and names the entry in the message, keeping the failure kind', () => {
    const err = new OperationOutcomeError('invalid', outcome([issue('error', 'value', 'bad family', 'Patient.name[0].family'), issue('error', 'value', 'bad type', 'resourceType')]));
    expect(restated(err)).toEqual([
      { text: 'Bundle.entry[3] (POST Patient): bad family', expression: ['Bundle.entry[3].resource.name[0].family'] },
      { text: 'Bundle.entry[3] (POST Patient): bad type', expression: ['Bundle.entry[3].resource.resourceType'] },
    ]);
    expect((atEntry(fail('gone', 'deleted', 'x'), entry) as OperationOutcomeError).kind).toBe('gone');
  });

  it('points request problems at the request element they concern', () => {
    expect(restated(invalid('If-None-Exist: unknown parameter identifer', 'identifer'))[0].expression).toEqual(['Bundle.entry[3].request.ifNoneExist']);
    expect(restated(fail('precondition-failed', 'conflict', 'If-Match names version 2'))[0].expression).toEqual(['Bundle.entry[3].request.ifMatch']);
    expect(restated(fail('not-found', 'not-found', 'Patient/x is not known'))[0].expression).toEqual(['Bundle.entry[3].request.url']);
    expect(restated(invalid('no good', 'Patient.name'), 'request.ifNoneExist')[0].expression).toEqual(['Bundle.entry[3].request.ifNoneExist']);
  });

  it('leaves other errors and already restated issues as they are', () => {
    const plain = new Error('boom');
    expect(atEntry(plain, entry)).toBe(plain);
    const once = atEntry(invalid('bad', 'Patient.gender'), entry);
    expect(restated(once)).toEqual([{ text: 'Bundle.entry[3] (POST Patient): bad', expression: ['Bundle.entry[3].resource.gender'] }]);
  });
});

describe('atEntry for PATCH entries', () => {
  it('points issues of a FHIRPath Patch into the Parameters and those of a JSON Patch at the Binary data', () => {
    const parameters = { index: 1, method: 'PATCH', url: 'Patient/1', request: { type: 'Patient', body: { resourceType: 'Parameters' } } };
    const out = atEntry(invalid('bad part', 'Parameters.parameter[0].part[1]'), parameters) as OperationOutcomeError;
    expect(out.outcome.issue?.[0].expression).toEqual(['Bundle.entry[1].resource.parameter[0].part[1]']);
    const jsonPatch = { index: 2, method: 'PATCH', url: 'Patient/1', request: { type: 'Patient', body: [{ op: 'test' }] } };
    const out2 = atEntry(invalid('bad op', '[0].op'), jsonPatch) as OperationOutcomeError;
    expect(out2.outcome.issue?.[0].expression).toEqual(['Bundle.entry[2].resource.data']);
  });
});
