/**
 * The OpenAPI document (issue 17) against the route table and the zod schemas: every route of
 * ROUTES is documented with its method and roles and every documented operation is a route (both
 * derived, so a route added later fails here until it is documented); the document's structure
 * (every `$ref` resolves, every operation has responses, security on every non-public route); and
 * sample bodies the routes' zod schemas accept validate against the document's JSON schemas (and
 * ones they refuse do not).
 */
import { readFileSync } from 'node:fs';
import { PUBLIC_ROUTES, ROUTES } from '#functions/routes.js';
import { openApiDocument, publicDocsReply, ROUTE_DOCS } from '#functions/api-docs.js';
import { check, refsIn, resolveRef } from '#test/support/json-schema-check.js';

type Op = {
  'x-roles': string[];
  responses: Record<string, unknown>;
  security: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
};
const doc = openApiDocument() as {
  openapi: string;
  paths: Record<string, Record<string, Op>>;
  webhooks: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, unknown> };
};
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, op })),
  );
const event = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8'));

/** A body each route's zod schema accepts, and one it refuses. */
const SAMPLES: Record<string, { good: unknown; bad: unknown }> = {
  'POST /sync': {
    good: { type: 'input', orgIds: ['hz'], dataDate: '2024-07-22' },
    bad: { type: 'both' },
  },
  'POST /sync/by-bills': { good: { orgId: 'hz', billNos: ['BX1'] }, bad: { orgId: 'hz' } },
  'PATCH /invoices/{invoiceId}': {
    good: { buyerName: '杭州某某有限公司', totalAmount: '106.00' },
    bad: { serialNo: 'X' },
  },
  'POST /invoices/push': {
    good: { orgId: 'hz', kind: 'input', invoices: [{ serialNo: 'S1' }] },
    bad: { orgId: 'hz', kind: 'input', invoices: [] },
  },
  'PUT /users/{userId}': {
    good: { name: '张三', phone: '13800138000', orgIds: ['hz'] },
    bad: { name: '张三', phone: '12345', orgIds: [] },
  },
  'POST /bills/events': { good: event('bill-event.json'), bad: { type: 'saved' } },
  'POST /billing/orders': {
    good: { systemId: 'erp', orderNo: 'O-1', amount: 100, buyer: { name: 'x' } },
    bad: { orderNo: 'O-1' },
  },
  'POST /billing/results': { good: event('billing-result.json'), bad: { resultType: 'GREEN' } },
  'POST /interaction-logs/push': { good: { logIds: ['L1'] }, bad: { logIds: [] } },
  'POST /interaction-logs/push-by-condition': {
    good: { logIds: ['L1'], orderNo: 'O-1', invoiceNo: '12345678' },
    bad: { logIds: ['L1'], orderNo: 'O-1' },
  },
  'PUT /config': { good: { writeback: true, lookbackDays: 2 }, bad: { writeback: 'yes' } },
  'PUT /orgs/{orgId}': {
    good: { orgName: '杭州', taxNo: '91330100MA2XXXXX1X', clientId: 'c', syncEnabled: true },
    bad: { orgName: '' },
  },
  'PUT /systems/{systemId}': {
    good: { orgId: 'hz', name: 'ERP', callbackUrl: 'https://erp.example.com/cb' },
    bad: { orgId: 'hz', name: 'ERP' },
  },
};

describe('OpenAPI document', () => {
  it('documents every route of ROUTES with its method and roles, and nothing else', () => {
    const documented = new Map(operations().map((o) => [o.key, o.op]));
    const missing = Object.keys(ROUTES).filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
    for (const [key, spec] of Object.entries(ROUTES))
      expect({ key, roles: documented.get(key)!['x-roles'] }).toEqual({
        key,
        roles: [...spec.roles],
      });
    const known = new Set([...Object.keys(ROUTES), ...Object.keys(PUBLIC_ROUTES)]);
    expect([...documented.keys()].filter((k) => !known.has(k))).toEqual([]);
    expect(Object.keys(ROUTE_DOCS).filter((k) => !(k in ROUTES))).toEqual([]);
  });

  it('is OpenAPI 3.1 in structure: refs resolve, operations answer, security is stated', () => {
    expect(doc.openapi).toBe('3.1.0');
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(() => resolveRef(doc, ref)).not.toThrow();
    const all = [
      ...operations(),
      ...Object.values(doc.webhooks).flatMap((i) =>
        Object.values(i).map((op) => ({ key: '', op })),
      ),
    ];
    for (const [path, item] of Object.entries(doc.paths))
      for (const m of Object.keys(item))
        expect({ path, m, ok: METHODS.includes(m) }).toEqual({
          path,
          m,
          ok: true,
        });
    for (const { op } of all) expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    for (const { key, op } of operations()) {
      const isPublic = key in PUBLIC_ROUTES;
      expect({ key, security: op.security.length > 0 }).toEqual({ key, security: !isPublic });
    }
    expect(Object.keys(doc.webhooks).sort()).toEqual(['orderFetch', 'resultCallback']);
  });

  it('accepts the bodies the routes accept and refuses the ones they refuse', () => {
    const withBody = operations().filter((o) => o.op.requestBody);
    expect(withBody.map((o) => o.key).filter((k) => !(k in SAMPLES))).toEqual([]);
    for (const { key, op } of withBody) {
      const zodSchema = ROUTE_DOCS[key]!.body!.schema;
      const jsonSchema = op.requestBody!.content['application/json']!.schema;
      const { good, bad } = SAMPLES[key]!;
      expect({ key, zod: zodSchema.safeParse(good).success }).toEqual({ key, zod: true });
      expect({ key, errors: check(doc, jsonSchema, good) }).toEqual({ key, errors: [] });
      expect({ key, zod: zodSchema.safeParse(bad).success }).toEqual({ key, zod: false });
      expect({ key, refused: check(doc, jsonSchema, bad).length > 0 }).toEqual({
        key,
        refused: true,
      });
    }
  });

  it('serves the document and a readable page without a token, holding no data', () => {
    const json = publicDocsReply('GET /openapi.json')!;
    expect(json.statusCode).toBe(200);
    expect(JSON.parse(json.body!)).toEqual(doc);
    const html = publicDocsReply('GET /docs')!;
    expect(html.headers?.['content-type']).toMatch(/^text\/html/);
    expect(html.headers?.['content-security-policy']).toContain("default-src 'none'");
    expect(html.body).not.toMatch(/<script/i);
    for (const key of Object.keys(ROUTES)) expect(html.body).toContain(key.split(' ')[1]);
    expect(publicDocsReply('GET /config')).toBeUndefined();
  });
});
