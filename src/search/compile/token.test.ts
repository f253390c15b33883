import { run, stored } from '../../../test/helpers/search-compile';

const LOINC = 'http://loinc.org';
const docs = [
  stored('loinc', { code: [{ s: LOINC, c: '1234-5', k: `${LOINC}|1234-5`, t: 'glucose' }] }),
  stored('snomed', { code: [{ s: 'http://snomed.info/sct', c: '1234-5', k: 'http://snomed.info/sct|1234-5', t: 'blood glucose' }] }),
  stored('nosystem', { code: [{ c: '1234-5' }] }),
  stored('textonly', { code: [{ t: 'glucose level' }] }),
  stored('operator', { code: [{ s: LOINC, c: '$where', k: `${LOINC}|$where` }] }),
  stored('none', {}),
];

describe('token search compilation', () => {
  it('matches code, system|code, |code and system|', async () => {
    expect((await run('Observation', { code: '1234-5' }, docs)).ids).toEqual(['loinc', 'snomed', 'nosystem']);
    expect((await run('Observation', { code: `${LOINC}|1234-5` }, docs)).ids).toEqual(['loinc']);
    expect((await run('Observation', { code: '|1234-5' }, docs)).ids).toEqual(['nosystem']);
    expect((await run('Observation', { code: `${LOINC}|` }, docs)).ids).toEqual(['loinc', 'operator']);
  });

  it('compiles plain codes and system|code lists to one indexed equality, and adds the code equality to mixed lists', async () => {
    expect((await run('Observation', { code: '1234-5,x' }, docs)).filter.$and).toEqual([{ 'sp.code.c': { $in: ['1234-5', 'x'] } }]);
    expect((await run('Observation', { code: `${LOINC}|1234-5,${LOINC}|x` }, docs)).filter.$and).toEqual([{ 'sp.code.k': { $in: [`${LOINC}|1234-5`, `${LOINC}|x`] } }]);
    const { filter } = await run('Observation', { code: `${LOINC}|1234-5,x` }, docs);
    expect(filter.$and).toEqual([{ 'sp.code.c': { $in: ['1234-5', 'x'] }, 'sp.code': { $elemMatch: { $or: [{ s: LOINC, c: '1234-5' }, { c: 'x' }] } } }]);
    const systemOnly = await run('Observation', { code: `${LOINC}|` }, docs);
    expect(JSON.stringify(systemOnly.filter)).not.toContain('sp.code.c');
  });

  it(':not matches resources with no matching value, including those with no value at all', async () => {
    expect((await run('Observation', { 'code:not': `${LOINC}|1234-5` }, docs)).ids).toEqual(['snomed', 'nosystem', 'textonly', 'operator', 'none']);
    expect((await run('Observation', { 'code:not': '1234-5,$where' }, docs)).ids).toEqual(['textonly', 'none']);
  });

  it('keeps system|code keys unambiguous when a system or code holds "|"', async () => {
    const piped = [
      stored('system-pipe', { identifier: [{ s: 'urn:a|b', c: 'c', k: 'urn:a\\|b|c' }] }),
      stored('code-pipe', { identifier: [{ s: 'urn:a', c: 'b|c', k: 'urn:a|b|c' }] }),
    ];
    expect((await run('Patient', { identifier: 'urn:a\\|b|c' }, piped)).ids).toEqual(['system-pipe']);
    expect((await run('Patient', { identifier: 'urn:a|b\\|c' }, piped)).ids).toEqual(['code-pipe']);
  });

  it(':text matches a folded prefix of display or text', async () => {
    expect((await run('Observation', { 'code:text': 'GLUC' }, docs)).ids).toEqual(['loinc', 'textonly']);
    expect((await run('Observation', { 'code:text': 'blood g' }, docs)).ids).toEqual(['snomed']);
    expect((await run('Observation', { 'code:text': '.' }, docs)).ids).toEqual([]);
  });

  it('treats operator payloads as literal codes', async () => {
    expect((await run('Observation', { code: '$where' }, docs)).ids).toEqual(['operator']);
    expect((await run('Observation', { code: '{"$ne":1}' }, docs)).ids).toEqual([]);
    expect((await run('Observation', { code: '$gt' }, docs)).ids).toEqual([]);
  });

  it(':of-type matches identifier type system, type code and value together', async () => {
    const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
    const ids = [
      stored('mr', { identifier: [{ s: 'urn:a', c: '123', ts: V2, tc: 'MR' }] }),
      stored('dl', { identifier: [{ s: 'urn:a', c: '123', ts: V2, tc: 'DL' }] }),
      stored('split', { identifier: [{ c: '123', ts: V2, tc: 'DL' }, { c: '999', ts: V2, tc: 'MR' }] }),
    ];
    expect((await run('Patient', { 'identifier:of-type': `${V2}|MR|123` }, ids)).ids).toEqual(['mr']);
  });

  it(':in and :not-in use the ValueSet expansion; a code without system matches on its code', async () => {
    const AG = 'http://hl7.org/fhir/administrative-gender';
    const patients = [
      stored('male', { gender: [{ c: 'male' }] }),
      stored('coded', { gender: [{ s: AG, c: 'female' }] }),
      stored('other-system', { gender: [{ s: 'urn:x', c: 'female' }] }),
      stored('bogus', { gender: [{ c: 'bogus' }] }),
      stored('none', {}),
    ];
    const vs = 'http://hl7.org/fhir/ValueSet/administrative-gender';
    expect((await run('Patient', { 'gender:in': vs }, patients)).ids).toEqual(['male', 'coded']);
    expect((await run('Patient', { 'gender:not-in': vs }, patients)).ids).toEqual(['other-system', 'bogus', 'none']);
  });

  it('matches booleans as codes', async () => {
    const patients = [stored('yes', { active: [{ c: 'true' }] }), stored('no', { active: [{ c: 'false' }] }), stored('unknown', {})];
    expect((await run('Patient', { active: 'true' }, patients)).ids).toEqual(['yes']);
    expect((await run('Patient', { 'active:not': 'true' }, patients)).ids).toEqual(['no', 'unknown']);
  });
});
