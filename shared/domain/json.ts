/**
 * JSON from outside (request bodies, customer feeds) parsed without `__proto__` keys: JSON.parse
 * keeps one as an own property, but the first object spread or zod copy turns it into the copy's
 * prototype, so it is refused here, before anything copies it (security review L5). `constructor`
 * and `prototype` are refused by the schemas' free-form JSON check.
 */
export class ReservedKeyError extends Error {
  constructor() {
    super('the key __proto__ is not allowed');
    this.name = 'ReservedKeyError';
  }
}

export const parseJson = (text: string): unknown => {
  // Only a text that could spell the key (also as \u escapes) pays for the reviver.
  if (!text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => {
    if (key === '__proto__') throw new ReservedKeyError();
    return value;
  });
};
