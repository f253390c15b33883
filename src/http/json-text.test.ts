import { jsonText } from './json-text';

const parse = (text: string) => JSON.parse(jsonText(Buffer.from(text, 'utf8')));

describe('jsonText', () => {
  it('gives JSON.parse the same value as the UTF-8 text, one byte per character', () => {
    const samples = ['{"a":"plain"}', '{"a":"✓ done","b":["é","😀",{"c":"ü\\u00fc"}]}', '{"a":"\\\\✓"}', '\uFEFF{"a":1}', '{"a":"x' + 'y'.repeat(200_000) + '✓"}'];
    for (const s of samples) expect(parse(s)).toEqual(JSON.parse(s.replace(/^\uFEFF/, '')));
    const text = jsonText(Buffer.from('{"a":"✓"}'));
    expect(text).toBe('{"a":"\\u2713"}');
  });

  it('leaves invalid JSON invalid', () => {
    for (const s of ['{"a":"\\✓"}', '{"a":✓}', '{"a":"\\\\\\✓"}']) expect(() => parse(s)).toThrow(SyntaxError);
  });

  it('decodes broken UTF-8 as the usual decoding does (U+FFFD)', () => {
    const raw = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x9c]), Buffer.from('"}')]);
    expect(JSON.parse(jsonText(raw))).toEqual(JSON.parse(raw.toString('utf8')));
  });
});
