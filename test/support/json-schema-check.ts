/**
 * A small JSON Schema (2020-12 subset) checker for the OpenAPI tests: the keywords zod emits
 * (type, properties, required, additionalProperties, items, enum, const, anyOf/oneOf/allOf,
 * lengths, pattern, bounds) and `$ref` into the document. Unknown keywords are reported, so a
 * schema it cannot judge fails the test instead of passing silently.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  ...['$ref', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum'],
  ...['const', 'anyOf', 'oneOf', 'allOf', 'minLength', 'maxLength', 'pattern', 'minimum'],
  ...['maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'format'],
  ...['description', 'default', 'title', 'examples', 'propertyNames'],
]);

const typeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number' && Number.isInteger(v)
        ? 'integer'
        : typeof v;

/** Resolve a local `$ref` (`#/a/b`) in `root`; throws when it does not resolve. */
export const resolveRef = (root: unknown, ref: string): Schema => {
  if (!ref.startsWith('#/')) throw new Error(`not a local $ref: ${ref}`);
  let at: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    at = (at as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/')];
    if (at === undefined) throw new Error(`$ref does not resolve: ${ref}`);
  }
  return at as Schema;
};

/** Every problem of `value` against `schema` (empty: valid). */
export const check = (root: unknown, schema: Schema, value: unknown, path = '$'): string[] => {
  const errs: string[] = [];
  for (const k of Object.keys(schema))
    if (!KNOWN.has(k)) errs.push(`${path}: checker does not know keyword ${k}`);
  if (typeof schema.$ref === 'string')
    errs.push(...check(root, resolveRef(root, schema.$ref), value, path));
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types = ([] as unknown[]).concat(schema.type);
    const fits = types.some((x) => x === t || (x === 'number' && t === 'integer'));
    if (!fits) return [...errs, `${path}: ${t} is not ${types.join('|')}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value))
    errs.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value)
    errs.push(`${path}: not ${String(schema.const)}`);
  for (const k of ['anyOf', 'oneOf'] as const)
    if (schema[k]) {
      const ok = (schema[k] as Schema[]).filter((s) => check(root, s, value, path).length === 0);
      if (ok.length === 0 || (k === 'oneOf' && ok.length > 1))
        errs.push(`${path}: ${ok.length} of the ${k} branches match`);
    }
  for (const s of (schema.allOf as Schema[] | undefined) ?? [])
    errs.push(...check(root, s, value, path));
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength)
      errs.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength)
      errs.push(`${path}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      errs.push(`${path}: does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${path}: < min`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errs.push(`${path}: > max`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      errs.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      errs.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items && typeof schema.items === 'object')
      value.forEach((v, i) =>
        errs.push(...check(root, schema.items as Schema, v, `${path}[${i}]`)),
      );
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const r of (schema.required as string[] | undefined) ?? [])
      if (!(r in obj)) errs.push(`${path}: ${r} is required`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errs.push(...check(root, props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}: ${k} is not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        errs.push(...check(root, schema.additionalProperties as Schema, v, `${path}.${k}`));
    }
  }
  return errs;
};

/** Every `$ref` string anywhere in `doc`. */
export const refsIn = (doc: unknown): string[] => {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') out.push(x);
        else walk(x);
      }
  };
  walk(doc);
  return out;
};
