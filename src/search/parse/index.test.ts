import { OperationOutcomeError } from '../../fhir/outcome';
import { outcomeErrorOf } from '../../../test/helpers/outcome-error';
import type { ChainFilter, FilterNode, HasFilter } from '../ast';
import { parseSearch } from './index';

const strict = { strict: true };
const lenient = { strict: false };

const error = outcomeErrorOf;

function filters(type: string | undefined, query: Record<string, string[]>): FilterNode[] {
  return parseSearch(type, query, strict).query.filters;
}

describe('parseSearch', () => {
  it('parses parameters of every type, comma as OR and a repeated parameter as AND', () => {
    const result = filters('Patient', { name: ['Eve,J\\,on'], birthdate: ['ge2020', 'lt2021'], gender: ['male'] });
    expect(result.map((f) => f.kind)).toEqual(['string', 'date', 'date', 'token']);
    expect(result[0]).toMatchObject({ kind: 'string', values: [{ text: 'Eve' }, { text: 'J,on' }] });
    expect(result[1]).toMatchObject({ values: [{ prefix: 'ge' }] });
    expect(result[2]).toMatchObject({ values: [{ prefix: 'lt' }] });
  });

  it('keeps operator-looking payloads as plain values', () => {
    const result = filters('Patient', { _id: ['$where'], name: ['{"$ne":1}'], gender: ['$gt'] });
    expect(result).toMatchObject([
      { kind: 'id', ids: ['$where'] },
      { kind: 'string', values: [{ text: '{"$ne":1}' }] },
      { kind: 'token', values: [{ code: '$gt' }] },
    ]);
  });

  it('rejects an unknown parameter in strict mode, naming it, and ignores it in lenient mode', () => {
    const err = error(() => parseSearch('Patient', { bogus: ['x'] }, strict));
    expect(err.kind).toBe('invalid');
    expect(err.outcome.issue?.[0].expression).toEqual(['bogus']);
    const { query, ignored } = parseSearch('Patient', { bogus: ['x'], name: ['eve'] }, lenient);
    expect(ignored).toEqual(['bogus']);
    expect(query.filters).toHaveLength(1);
  });

  it.each([
    ['name:below', 'x'],
    ['birthdate:exact', '2020'],
    ['_profile:contains', 'x'],
    ['subject:Foo', '1'],
    ['subject:Practitioner', '1'],
    ['_id:not', '1'],
    ['code:text:exact', 'x'],
  ])('treats the unsupported modifier %s as unknown (strict 400, lenient ignored)', (key, value) => {
    const type = key.startsWith('name') || key.startsWith('birthdate') ? 'Patient' : 'Observation';
    expect(error(() => parseSearch(type, { [key]: [value] }, strict)).outcome.issue?.[0].expression).toEqual([key]);
    expect(parseSearch(type, { [key]: [value] }, lenient).ignored).toEqual([key]);
  });

  it.each([
    ['birthdate', 'xx2020'],
    ['birthdate', '2020-02-30'],
    ['identifier', 'a|b|c'],
    ['name:missing', 'maybe'],
    ['_count', '-1'],
    ['_total', 'all'],
    ['_summary', 'yes'],
  ])('rejects the malformed value %s=%s even in lenient mode', (key, value) => {
    expect(error(() => parseSearch('Patient', { [key]: [value] }, lenient)).kind).toBe('invalid');
  });

  it('parses :missing on every parameter type', () => {
    const result = filters('Observation', {
      'code:missing': ['true'],
      'subject:missing': ['false'],
      'date:missing': ['true'],
      'value-quantity:missing': ['true'],
      'value-string:missing': ['true'],
      'code-value-quantity:missing': ['true'],
      '_profile:missing': ['true'],
    });
    expect(result.every((f) => f.kind === 'missing')).toBe(true);
    expect(result[1]).toMatchObject({ missing: false });
  });

  it('parses token modifiers, including :in against a ValueSet the server can expand', () => {
    const [not, text, ofType, inVs] = filters('Patient', {
      'gender:not': ['male'],
      'language:text': ['eng'],
      'identifier:of-type': ['http://terminology.hl7.org/CodeSystem/v2-0203|MR|123'],
      'gender:in': ['http://hl7.org/fhir/ValueSet/administrative-gender'],
    });
    expect(not).toMatchObject({ kind: 'token', modifier: 'not' });
    expect(text.kind).toBe('token-text');
    expect(ofType.kind).toBe('of-type');
    expect(inVs).toMatchObject({ kind: 'in' });
    expect((inVs as { codes: unknown[] }).codes).toContainEqual({ system: 'http://hl7.org/fhir/administrative-gender', code: 'male' });
  });

  it('rejects :in with a value set it cannot expand (always, naming the parameter)', () => {
    const err = error(() => parseSearch('Observation', { 'code:in': ['http://loinc.org/vs'] }, lenient));
    expect(err.outcome.issue?.[0]).toMatchObject({ code: 'not-supported', expression: ['code:in'] });
  });

  it('parses chains to any depth, through a typed or a single-target reference', () => {
    const [typed, single, deep] = filters('Observation', {
      'subject:Patient.name': ['eve'],
      'patient.gender': ['male'],
      'subject:Patient.general-practitioner:Practitioner.identifier': ['x'],
    }) as ChainFilter[];
    expect(typed).toMatchObject({ kind: 'chain', targetType: 'Patient', param: { code: 'subject' }, inner: { kind: 'string' } });
    expect(single).toMatchObject({ targetType: 'Patient', param: { code: 'patient' }, inner: { kind: 'token' } });
    expect(deep.inner).toMatchObject({ kind: 'chain', targetType: 'Practitioner', inner: { kind: 'token', param: { code: 'identifier' } } });
  });

  it('asks for a type modifier when a chained reference has several targets, and refuses targets it cannot have', () => {
    const ambiguous = error(() => parseSearch('Observation', { 'subject.name': ['x'] }, lenient));
    expect(ambiguous.message).toContain('subject:Patient.name');
    expect(ambiguous.outcome.issue?.[0].expression).toEqual(['subject.name']);
    expect(error(() => parseSearch('Observation', { 'subject:Practitioner.name': ['x'] }, lenient)).kind).toBe('invalid');
  });

  it('treats chaining through a non-reference or into an unknown parameter as unknown', () => {
    expect(parseSearch('Observation', { 'code.name': ['x'], 'patient.bogus': ['y'] }, lenient).ignored).toEqual(['code.name', 'patient.bogus']);
  });

  it('parses nested reverse chains', () => {
    const [has] = filters('Practitioner', { '_has:Patient:general-practitioner:_has:Observation:subject:code': ['1234-5'] }) as HasFilter[];
    expect(has).toMatchObject({ kind: 'has', sourceType: 'Patient', targetType: 'Practitioner', sourceParam: { code: 'general-practitioner' } });
    expect(has.inner).toMatchObject({ kind: 'has', sourceType: 'Observation', targetType: 'Patient', inner: { kind: 'token', values: [{ code: '1234-5' }] } });
  });

  it('rejects a reverse chain whose reference cannot point at the searched type', () => {
    expect(error(() => parseSearch('Practitioner', { '_has:Observation:patient:code': ['x'] }, lenient)).kind).toBe('invalid');
    expect(error(() => parseSearch('Patient', { '_has:Observation': ['x'] }, lenient)).kind).toBe('invalid');
    expect(parseSearch('Patient', { '_has:Nope:subject:code': ['x'] }, lenient).ignored).toEqual(['_has:Nope:subject:code']);
  });

  it('parses the result parameters', () => {
    const { query, ignored } = parseSearch(
      'Observation',
      {
        _count: ['20'],
        _sort: ['-date,code,_lastUpdated'],
        _total: ['accurate'],
        _summary: ['count'],
        _elements: ['id, status,code'],
        _include: ['Observation:subject', 'Observation:performer:Practitioner'],
        '_include:iterate': ['Patient:general-practitioner'],
        _revinclude: ['Provenance:target'],
        _cursor: ['abc'],
        _format: ['json'],
        _pretty: ['true'],
      },
      strict,
    );
    expect(ignored).toEqual([]);
    expect(query).toMatchObject({ count: 20, total: 'accurate', summary: 'count', elements: ['id', 'status', 'code'], cursor: 'abc' });
    expect(query.sort).toEqual([
      { code: 'date', field: 'sort.date', descending: true },
      { code: 'code', field: 'sort.code', descending: false },
      { code: '_lastUpdated', field: 'lastUpdatedMs', descending: false },
    ]);
    expect(query.include.map((i) => [i.sourceType, i.param === '*' ? '*' : i.param.code, i.targetType, i.iterate])).toEqual([
      ['Observation', 'subject', undefined, false],
      ['Observation', 'performer', 'Practitioner', false],
      ['Patient', 'general-practitioner', undefined, true],
    ]);
    expect(query.revinclude).toMatchObject([{ sourceType: 'Provenance', param: { code: 'target' }, iterate: false }]);
  });

  it('accepts _include=* and Type:*', () => {
    const { query } = parseSearch('Observation', { _include: ['*', 'Observation:*'] }, strict);
    expect(query.include).toEqual([
      { sourceType: 'Observation', param: '*', iterate: false },
      { sourceType: 'Observation', param: '*', iterate: false },
    ]);
  });

  it('applies or ignores each key as a whole', () => {
    const { query, ignored } = parseSearch('Observation', { _include: ['Observation:subject', 'Observation:bogus'], _sort: ['date,code-value-quantity'] }, lenient);
    expect(ignored).toEqual(['_include', '_sort']);
    expect(query.include).toEqual([]);
    expect(query.sort).toEqual([]);
    expect(() => parseSearch('Observation', { _sort: ['code-value-quantity'] }, strict)).toThrow(OperationOutcomeError);
  });

  it('ignores parameters without a value and reports them', () => {
    const { query, ignored } = parseSearch('Patient', { name: [''], gender: [','], family: ['', 'x'] }, strict);
    expect(ignored).toEqual(['name', 'gender']);
    expect(query.filters).toHaveLength(1);
  });

  it('searches across types with _type, accepting only parameters common to all of them', () => {
    const { query } = parseSearch(undefined, { _type: ['Observation,DiagnosticReport'], subject: ['Patient/1'], _tag: ['x'] }, strict);
    expect(query.types).toEqual(['Observation', 'DiagnosticReport']);
    expect(query.filters.map((f) => f.kind)).toEqual(['reference', 'token']);
    expect(parseSearch(undefined, { _tag: ['x'], _lastUpdated: ['gt2020'], name: ['x'] }, lenient).ignored).toEqual(['name']);
    expect(error(() => parseSearch(undefined, { _type: ['Nope'] }, lenient)).outcome.issue?.[0].expression).toEqual(['_type']);
    expect(parseSearch(undefined, { '_has:Observation:subject:code': ['x'] }, lenient).ignored).toHaveLength(1);
  });

  it('does not accept _type in a type-level search', () => {
    expect(parseSearch('Patient', { _type: ['Patient'] }, lenient).ignored).toEqual(['_type']);
  });
});
