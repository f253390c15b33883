import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { applyFhirPathPatch } from './fhirpath-patch';
import { outcomeErrorOf } from '../../test/helpers/outcome-error';

type Part = Record<string, unknown>;
const op = (type: string, path: string, extra: Part[] = []) => ({
  name: 'operation',
  part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...extra],
});
const patch = (...operations: unknown[]) => ({ resourceType: 'Parameters', parameter: operations });
const name = (value: string): Part => ({ name: 'name', valueString: value });
const value = (v: Part): Part => ({ name: 'value', ...v });
const index = (n: number): Part => ({ name: 'index', valueInteger: n });

const patient = (): Patient => ({
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '1', lastUpdated: '2024-01-01T00:00:00.000Z' },
  identifier: [
    { system: 'http://example.org', value: 'value 1' },
    { system: 'http://example.org', value: 'value 2' },
  ],
  name: [{ family: 'Chalmers', given: ['Peter', 'James'] }],
  gender: 'male',
});

const failure = (resource: Resource, body: unknown) => {
  const err = outcomeErrorOf(() => applyFhirPathPatch(resource, body));
  return { kind: err.kind, text: err.outcome.issue?.[0].details?.text ?? '', expression: err.outcome.issue?.[0].expression?.[0] };
};

describe('FHIRPath Patch (R4 fhirpatch.html)', () => {
  describe('add', () => {
    it('adds a primitive element (the spec example: Patient, birthDate, valueDate)', () => {
      const out = applyFhirPathPatch(patient(), patch(op('add', 'Patient', [name('birthDate'), value({ valueDate: '1930-01-01' })]))) as Patient;
      expect(out.birthDate).toBe('1930-01-01');
    });

    it('adds an anonymous (backbone) element from nested parts (the spec example: Patient.contact)', () => {
      const contact = value({
        part: [
          { name: 'name', valueHumanName: { text: 'a name' } },
          { name: 'telecom', valueContactPoint: { system: 'phone', value: '555-0100' } },
          { name: 'telecom', valueContactPoint: { system: 'email', value: 'a@example.org' } },
        ],
      });
      const out = applyFhirPathPatch(patient(), patch(op('add', 'Patient', [name('contact'), contact]))) as Patient;
      expect(out.contact).toEqual([{ name: { text: 'a name' }, telecom: [{ system: 'phone', value: '555-0100' }, { system: 'email', value: 'a@example.org' }] }]);
    });

    it('appends to a repeating element', () => {
      const out = applyFhirPathPatch(patient(), patch(op('add', 'Patient', [name('identifier'), value({ valueIdentifier: { system: 'http://example.org', value: 'value 3' } })]))) as Patient;
      expect(out.identifier?.map((i) => i.value)).toEqual(['value 1', 'value 2', 'value 3']);
    });

    it('adds a choice element under the JSON name its value type gives (deceased + valueBoolean → deceasedBoolean)', () => {
      const out = applyFhirPathPatch(patient(), patch(op('add', 'Patient', [name('deceased'), value({ valueBoolean: true })]))) as Patient;
      expect(out.deceasedBoolean).toBe(true);
    });

    it('adds an extension to a primitive in its _name companion', () => {
      const ext = value({ valueExtension: { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1930-01-01T10:00:00Z' } });
      const out = applyFhirPathPatch({ ...patient(), birthDate: '1930-01-01' } as Patient, patch(op('add', 'Patient.birthDate', [name('extension'), ext]))) as Patient & { _birthDate?: unknown };
      expect(out._birthDate).toEqual({ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1930-01-01T10:00:00Z' }] });
      expect(out.birthDate).toBe('1930-01-01');
    });

    it('adds an extension given as parts (url and a value[x] child)', () => {
      const ext = value({ part: [{ name: 'url', valueUri: 'http://example.org/flag' }, { name: 'value', valueCode: 'red' }] });
      const out = applyFhirPathPatch(patient(), patch(op('add', 'Patient', [name('extension'), ext]))) as Patient;
      expect(out.extension).toEqual([{ url: 'http://example.org/flag', valueCode: 'red' }]);
    });

    it('adds an extension to one item of a primitive list, and deleting it again leaves no _given behind', () => {
      const ext = value({ valueExtension: { url: 'http://example.org/nick', valueBoolean: true } });
      const added = applyFhirPathPatch(patient(), patch(op('add', 'Patient.name.given[1]', [name('extension'), ext]))) as unknown as { name: { given: string[]; _given?: unknown[] }[] };
      expect(added.name[0]._given).toEqual([null, { extension: [{ url: 'http://example.org/nick', valueBoolean: true }] }]);
      const removed = applyFhirPathPatch(added as unknown as Patient, patch(op('delete', 'Patient.name.given[1].extension'))) as unknown as { name: { given: string[]; _given?: unknown[] }[] };
      expect(removed.name[0]).toEqual({ family: 'Chalmers', given: ['Peter', 'James'] });
    });

    it('refuses to add a single element that is already present (422: use replace)', () => {
      const f = failure(patient(), patch(op('add', 'Patient', [name('gender'), value({ valueCode: 'female' })])));
      expect(f).toMatchObject({ kind: 'unprocessable', expression: 'Parameters.parameter[0].part[2]' });
    });

    it('refuses an element the type does not have, and a value of the wrong type (400 at the part)', () => {
      expect(failure(patient(), patch(op('add', 'Patient', [name('nickname'), value({ valueString: 'P' })])))).toMatchObject({ kind: 'invalid', expression: 'Parameters.parameter[0].part[2]' });
      expect(failure(patient(), patch(op('add', 'Patient', [name('birthDate'), value({ valueHumanName: { text: 'x' } })])))).toMatchObject({ kind: 'invalid', expression: 'Parameters.parameter[0].part[3]' });
      expect(failure(patient(), patch(op('add', 'Patient', [name('deceased'), value({ valueString: 'yes' })])))).toMatchObject({ kind: 'invalid', expression: 'Parameters.parameter[0].part[3]' });
    });

    it('needs the path to select exactly one element (422)', () => {
      expect(failure(patient(), patch(op('add', 'Patient.identifier', [name('use'), value({ valueCode: 'usual' })])))).toMatchObject({ kind: 'unprocessable', expression: 'Parameters.parameter[0].part[1]' });
      expect(failure(patient(), patch(op('add', 'Patient.contact', [name('gender'), value({ valueCode: 'male' })]))).kind).toBe('unprocessable');
    });
  });

  describe('insert', () => {
    it('inserts into a list at the index (0-based)', () => {
      const out = applyFhirPathPatch(patient(), patch(op('insert', 'Patient.identifier', [value({ valueIdentifier: { system: 'http://example.org', value: 'value 0' } }), index(1)]))) as Patient;
      expect(out.identifier?.map((i) => i.value)).toEqual(['value 1', 'value 0', 'value 2']);
    });

    it('inserts at the end when the index equals the length, and into a list that is still empty', () => {
      const atEnd = applyFhirPathPatch(patient(), patch(op('insert', 'Patient.identifier', [value({ valueIdentifier: { value: 'last' } }), index(2)]))) as Patient;
      expect(atEnd.identifier?.[2].value).toBe('last');
      const empty = applyFhirPathPatch(patient(), patch(op('insert', 'Patient.telecom', [value({ valueContactPoint: { system: 'phone', value: '1' } }), index(0)]))) as Patient;
      expect(empty.telecom).toEqual([{ system: 'phone', value: '1' }]);
    });

    it('keeps the _given companion of a primitive list aligned', () => {
      const p = { ...patient(), name: [{ given: ['Peter', 'James'], _given: [null, { id: 'j' }] }] } as unknown as Patient;
      const out = applyFhirPathPatch(p, patch(op('insert', 'Patient.name.given', [value({ valueString: 'Jim' }), index(0)]))) as unknown as { name: { given: string[]; _given: unknown[] }[] };
      expect(out.name[0].given).toEqual(['Jim', 'Peter', 'James']);
      expect(out.name[0]._given).toEqual([null, null, { id: 'j' }]);
    });

    it('refuses an index past the end, and a path that selects only part of a list (422)', () => {
      expect(failure(patient(), patch(op('insert', 'Patient.identifier', [value({ valueIdentifier: { value: 'x' } }), index(3)])))).toMatchObject({ kind: 'unprocessable', expression: 'Parameters.parameter[0].part[3]' });
      expect(failure(patient(), patch(op('insert', "Patient.identifier.where(value='value 1')", [value({ valueIdentifier: { value: 'x' } }), index(0)])))).toMatchObject({ kind: 'unprocessable', expression: 'Parameters.parameter[0].part[1]' });
    });
  });

  describe('delete', () => {
    it('deletes one list item, chosen by index or by a filter', () => {
      const byIndex = applyFhirPathPatch(patient(), patch(op('delete', 'Patient.identifier[0]'))) as Patient;
      expect(byIndex.identifier?.map((i) => i.value)).toEqual(['value 2']);
      const byFilter = applyFhirPathPatch(patient(), patch(op('delete', "Patient.identifier.where(value='value 2')"))) as Patient;
      expect(byFilter.identifier?.map((i) => i.value)).toEqual(['value 1']);
    });

    it('does nothing when the path selects nothing', () => {
      expect(applyFhirPathPatch(patient(), patch(op('delete', 'Patient.birthDate')))).toEqual(patient());
    });

    it('leaves no empty list or object behind', () => {
      const out = applyFhirPathPatch(patient(), patch(op('delete', 'Patient.identifier[0]'), op('delete', 'Patient.identifier[0]'), op('delete', 'Patient.name.family'), op('delete', 'Patient.name.given[0]'), op('delete', 'Patient.name.given[0]')));
      expect(out).toEqual({ resourceType: 'Patient', id: 'p1', meta: patient().meta, gender: 'male' });
    });

    it('deletes a primitive together with its extensions', () => {
      const p = { ...patient(), birthDate: '1930-01-01', _birthDate: { extension: [{ url: 'http://x', valueString: 'y' }] } } as Patient;
      const out = applyFhirPathPatch(p, patch(op('delete', 'Patient.birthDate'))) as unknown as Record<string, unknown>;
      expect(out.birthDate).toBeUndefined();
      expect(out._birthDate).toBeUndefined();
    });

    it('refuses a path that selects several elements (422)', () => {
      expect(failure(patient(), patch(op('delete', 'Patient.identifier')))).toMatchObject({ kind: 'unprocessable', expression: 'Parameters.parameter[0].part[1]' });
    });
  });

  describe('replace', () => {
    it('replaces a primitive and a list item', () => {
      const out = applyFhirPathPatch(patient(), patch(op('replace', 'Patient.gender', [value({ valueCode: 'female' })]), op('replace', 'Patient.identifier[1]', [value({ valueIdentifier: { value: 'v2' } })]))) as Patient;
      expect(out.gender).toBe('female');
      expect(out.identifier?.[1]).toEqual({ value: 'v2' });
    });

    it('changes the type of a choice element (Observation.value: Quantity → string)', () => {
      const obs: Observation = { resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1 } };
      const out = applyFhirPathPatch(obs, patch(op('replace', 'Observation.value', [value({ valueString: 'one' })]))) as Observation;
      expect(out.valueString).toBe('one');
      expect(out.valueQuantity).toBeUndefined();
    });

    it('needs exactly one element: none or several is a 422', () => {
      expect(failure(patient(), patch(op('replace', 'Patient.birthDate', [value({ valueDate: '2000-01-01' })]))).kind).toBe('unprocessable');
      expect(failure(patient(), patch(op('replace', 'Patient.identifier', [value({ valueIdentifier: { value: 'x' } })]))).kind).toBe('unprocessable');
    });
  });

  describe('move', () => {
    it('moves a list item from source to destination (the spec example: Patient.identifier 0 → 1)', () => {
      const move = op('move', 'Patient.identifier', [{ name: 'source', valueInteger: 0 }, { name: 'destination', valueInteger: 1 }]);
      const out = applyFhirPathPatch(patient(), patch(move)) as Patient;
      expect(out.identifier?.map((i) => i.value)).toEqual(['value 2', 'value 1']);
    });

    it('refuses an index outside the list (422 at that part)', () => {
      const move = op('move', 'Patient.identifier', [{ name: 'source', valueInteger: 0 }, { name: 'destination', valueInteger: 2 }]);
      expect(failure(patient(), patch(move))).toMatchObject({ kind: 'unprocessable', expression: 'Parameters.parameter[0].part[3]' });
    });
  });

  it('applies operations in order, each seeing the previous ones, and never changes its input', () => {
    const input = patient();
    const out = applyFhirPathPatch(input, patch(op('add', 'Patient', [name('birthDate'), value({ valueDate: '1930-01-01' })]), op('replace', 'Patient.birthDate', [value({ valueDate: '1931-02-02' })]))) as Patient;
    expect(out.birthDate).toBe('1931-02-02');
    expect(input).toEqual(patient());
  });

  it('patches inside a contained resource', () => {
    const p = { ...patient(), contained: [{ resourceType: 'Organization', id: 'org', name: 'Old' }] } as Patient;
    const out = applyFhirPathPatch(p, patch(op('replace', 'Patient.contained.ofType(Organization).name', [value({ valueString: 'New' })]))) as Patient;
    expect(out.contained?.[0]).toEqual({ resourceType: 'Organization', id: 'org', name: 'New' });
  });

  describe('malformed documents (400 pointing into the Parameters)', () => {
    it.each([
      ['a body that is not Parameters', { resourceType: 'Patient' }, 'resourceType'],
      ['a parameter not named operation', { resourceType: 'Parameters', parameter: [{ name: 'op', part: [] }] }, 'Parameters.parameter[0].name'],
      ['an unknown operation type', patch(op('upsert', 'Patient')), 'Parameters.parameter[0].part[0]'],
      ['a missing required part', patch(op('add', 'Patient', [name('birthDate')])), 'Parameters.parameter[0]'],
      ['a part the type does not take', patch(op('delete', 'Patient.gender', [index(0)])), 'Parameters.parameter[0].part[2]'],
      ['an unknown part', patch(op('delete', 'Patient.gender', [{ name: 'where', valueString: 'x' }])), 'Parameters.parameter[0].part[2].name'],
      ['a negative index', patch(op('insert', 'Patient.identifier', [value({ valueIdentifier: {} }), index(-1)])), 'Parameters.parameter[0].part[3]'],
      ['a value with two value[x]', patch(op('replace', 'Patient.gender', [value({ valueCode: 'male', valueString: 'male' })])), 'Parameters.parameter[0].part[2]'],
      ['a path that is not FHIRPath', patch(op('delete', 'Patient.name.(')), 'Parameters.parameter[0].part[1]'],
      ['a path that selects a computed value', patch(op('replace', "'abc'", [value({ valueString: 'x' })])), 'Parameters.parameter[0].part[1]'],
      ['a nested part with an element the type lacks', patch(op('add', 'Patient', [name('contact'), value({ part: [{ name: 'nick', valueString: 'x' }] })])), 'Parameters.parameter[0].part[3].part[0].name'],
    ])('refuses %s', (_name, body, expression) => {
      expect(failure(patient(), body)).toMatchObject({ kind: 'invalid', expression });
    });

    it('names the failing operation among several', () => {
      const f = failure(patient(), patch(op('delete', 'Patient.gender'), op('delete', 'Patient.birthDate'), op('replace', 'Patient.gender', [value({ valueCode: 'other' })])));
      expect(f).toMatchObject({ kind: 'unprocessable', expression: 'Parameters.parameter[2].part[1]' });
    });
  });
});
