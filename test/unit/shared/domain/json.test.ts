import { parseJson, ReservedKeyError } from '#shared/domain/json.js';

describe('parseJson: outside JSON without __proto__ keys', () => {
  it('parses ordinary JSON, escapes included, like JSON.parse', () => {
    const text = '{"a":[1,{"b":"\\u4e2d"}],"c":null}';

    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['top level', '{"__proto__":{"polluted":true}}'],
    ['nested in an array', '{"orders":[{"orderNo":"P1","__proto__":{"x":1}}]}'],
    ['spelled with escapes', '{"\\u005f\\u005fproto\\u005f\\u005f":{"x":1}}'],
  ])('refuses the key %s', (_where, text) => {
    expect(() => parseJson(text)).toThrow(ReservedKeyError);
  });

  it('keeps the word as a value', () => {
    expect(parseJson('{"note":"__proto__"}')).toEqual({ note: '__proto__' });
  });
});
