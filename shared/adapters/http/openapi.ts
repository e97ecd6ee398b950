/**
 * The API's OpenAPI 3.1 document, built from the route table and the zod schemas the routes parse
 * with (issue 17): one source of shapes. Request shapes are the schemas' input side, reply shapes
 * their output side, each a named component; roles come from the route table (`x-roles` and the
 * description). The caller (functions/api-docs.ts) passes the table and the per-route texts.
 */
import * as z from 'zod';

/** What a route's entry in the description table says. */
export interface RouteDoc {
  tag: string;
  summary: string;
  description?: string;
  /** Named request body (JSON). */
  body?: { name: string; schema: z.ZodType };
  /** Query parameters: an object schema, one parameter per key. */
  query?: z.ZodObject;
  /** Path parameter schemas by name (default: a plain string). */
  params?: Record<string, z.ZodType>;
  /** Request headers the route reads (e.g. `If-Match`, `Idempotency-Key`). */
  headers?: { name: string; required?: boolean; description: string }[];
  reply: { status: number; name: string; schema: z.ZodType; description: string };
  /** Extra refusal statuses with what they mean (400, 401, 403, 404 and 500 are always listed). */
  refusals?: Record<number, string>;
}
export interface WebhookDoc {
  summary: string;
  description: string;
  method: 'get' | 'post';
  body?: { name: string; schema: z.ZodType };
  query?: z.ZodObject;
  reply: { name: string; schema: z.ZodType; description: string };
}
export interface OpenApiInput {
  info: { title: string; version: string; description: string };
  routes: Record<string, { roles: readonly string[] }>;
  docs: Record<string, RouteDoc>;
  /** Routes answered without a token (the document itself). */
  publicRoutes: Record<string, { summary: string; description: string; contentType: string }>;
  webhooks: Record<string, WebhookDoc>;
  errorSchema: z.ZodType;
  webhookHeaders: { name: string; description: string }[];
}

type Json = Record<string, unknown>;
const REF = '#/components/schemas/';

/** Named zod schemas → JSON Schema 2020-12 components (OpenAPI 3.1 uses that dialect as is). */
class Components {
  private readonly input = z.registry<{ id: string }>();
  private readonly output = z.registry<{ id: string }>();
  private readonly names = new Map<string, z.ZodType>();
  private readonly ids = new Map<z.ZodType, string>();

  /** A `$ref` to the component `name` (one name per schema: a second name reuses the first). */
  ref(name: string, schema: z.ZodType, io: 'input' | 'output'): Json {
    const known = this.ids.get(schema);
    if (known) return { $ref: `${REF}${known}` };
    if (this.names.has(name)) throw new Error(`openapi: two schemas named ${name}`);
    this.names.set(name, schema);
    this.ids.set(schema, name);
    (io === 'input' ? this.input : this.output).add(schema, { id: name });
    return { $ref: `${REF}${name}` };
  }

  schemas(): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [reg, io] of [
      [this.input, 'input'],
      [this.output, 'output'],
    ] as const) {
      const { schemas } = z.toJSONSchema(reg, {
        target: 'draft-2020-12',
        io,
        unrepresentable: 'any',
        uri: (id) => `${REF}${id}`,
      }) as unknown as { schemas: Record<string, Json> };
      for (const [id, s] of Object.entries(schemas)) {
        const { $schema: _s, $id: _id, ...rest } = s;
        out[id] = rest;
      }
    }
    return out;
  }
}

/** An inline JSON Schema of one zod schema (parameters), input side. */
const inline = (schema: z.ZodType): Json => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Json;
  return rest;
};

const queryParameters = (query: z.ZodObject | undefined): Json[] => {
  if (!query) return [];
  const s = inline(query) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: s.required?.includes(name) ?? false,
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    schema,
  }));
};

const STANDARD_REFUSALS: Record<number, string> = {
  400: 'Bad input: the message and `details` name the field; nothing is written',
  401: 'No valid bearer token',
  403: 'The token lacks the route role',
  404: "Not found, or another org's id (never told apart)",
  500: 'Internal error (the message carries the request id)',
};

const rolesText = (roles: readonly string[]) =>
  `Roles: ${roles.map((r) => `\`${r}\``).join(', ')}. ${CONFINED}`;
const CONFINED = "Non-operator roles see their token's org only.";

const operation = (key: string, roles: readonly string[], doc: RouteDoc, c: Components): Json => {
  const path = key.split(' ')[1] ?? '';
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const responses: Json = {
    [String(doc.reply.status)]: {
      description: doc.reply.description,
      content: {
        'application/json': { schema: c.ref(doc.reply.name, doc.reply.schema, 'output') },
      },
    },
  };
  for (const [status, description] of Object.entries({ ...STANDARD_REFUSALS, ...doc.refusals }))
    responses[status] = {
      description,
      content: { 'application/json': { schema: { $ref: `${REF}Error` } } },
    };
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
    tags: [doc.tag],
    summary: doc.summary,
    description: [doc.description, rolesText(roles)].filter(Boolean).join('\n\n'),
    'x-roles': [...roles],
    security: [{ bearer: [] }],
    parameters: [
      ...pathParams.map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: inline(doc.params?.[name] ?? z.string().min(1)),
      })),
      ...queryParameters(doc.query),
      ...(doc.headers ?? []).map((h) => ({
        name: h.name,
        in: 'header',
        required: h.required ?? false,
        description: h.description,
        schema: { type: 'string' },
      })),
    ],
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: c.ref(doc.body.name, doc.body.schema, 'input') },
            },
          },
        }
      : {}),
    responses,
  };
};

const webhook = (
  name: string,
  w: WebhookDoc,
  headers: OpenApiInput['webhookHeaders'],
  c: Components,
) => ({
  [w.method]: {
    operationId: `webhook_${name}`,
    summary: w.summary,
    description: w.description,
    parameters: [
      ...headers.map((h) => ({
        name: h.name,
        in: 'header',
        required: true,
        description: h.description,
        schema: { type: 'string' },
      })),
      ...queryParameters(w.query),
    ],
    ...(w.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: c.ref(w.body.name, w.body.schema, 'output') },
            },
          },
        }
      : {}),
    responses: {
      '200': {
        description: w.reply.description,
        content: { 'application/json': { schema: c.ref(w.reply.name, w.reply.schema, 'output') } },
      },
    },
  },
});

/**
 * Build the document. Only routes with an entry in `docs` are emitted (a route without one is
 * missing from the document, which `test/unit/openapi.test.ts` reports); an entry for a route the
 * table does not have throws.
 */
export const buildOpenApi = (o: OpenApiInput): Json => {
  const c = new Components();
  c.ref('Error', o.errorSchema, 'output');
  const paths: Record<string, Json> = {};
  const at = (key: string) => {
    const [method, path] = key.split(' ') as [string, string];
    return ((paths[path] ??= {})[method.toLowerCase()] = {}) as Json;
  };
  for (const key of Object.keys(o.docs))
    if (!(key in o.routes)) throw new Error(`openapi: ${key} is documented but not a route`);
  for (const [key, spec] of Object.entries(o.routes)) {
    const doc = o.docs[key];
    if (doc) Object.assign(at(key), operation(key, spec.roles, doc, c));
  }
  for (const [key, p] of Object.entries(o.publicRoutes))
    Object.assign(at(key), {
      operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
      tags: ['Documents'],
      summary: p.summary,
      description: p.description,
      'x-roles': [],
      security: [],
      responses: { '200': { description: p.summary, content: { [p.contentType]: {} } } },
    });
  const webhooks = Object.fromEntries(
    Object.entries(o.webhooks).map(([n, w]) => [n, webhook(n, w, o.webhookHeaders, c)]),
  );
  const tags = [...new Set(Object.values(o.docs).map((d) => d.tag)), 'Documents'];
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: o.info,
    servers: [{ url: '/', description: 'this API (the document is served by it)' }],
    tags: tags.map((name) => ({ name })),
    security: [{ bearer: [] }],
    paths,
    webhooks,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A JWT with `sub`, `orgId`, `roles` and `exp` (HS256 or the OIDC issuer).',
        },
      },
      schemas: c.schemas(),
    },
  };
};
