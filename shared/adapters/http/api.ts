import { parseJson, ReservedKeyError } from '../../domain/json.js';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { ZodError, type z } from 'zod';
import { BadRequest, DomainError, Forbidden, NotFound } from '../../domain/errors.js';
import { CursorError } from '../dynamo/dynamo.js';
import { logger } from '../../logger.js';
import {
  authSettingsFromEnv,
  createVerifier,
  type AuthSettings,
  type Principal,
  type Role,
} from './jwt.js';

/** The largest request body a route accepts (bytes, as received); larger ones answer 413. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** Request headers, names in lower case. */
  headers: Record<string, string | undefined>;
  principal: Principal;
  requestId: string;
}
export interface ApiReply {
  status: number;
  body: unknown;
  /** Extra reply headers (e.g. `etag`). */
  headers?: Record<string, string>;
}
export type RouteAction = (req: ApiRequest) => Promise<ApiReply>;
/**
 * A function's routes by API Gateway route key, e.g. `GET /sync/runs/{runId}`, with the roles
 * allowed.
 */
export type RouteActions = Record<string, { roles: readonly Role[]; action: RouteAction }>;

/** Pair a function's actions with the roles of the route table. */
export const withRoles = <K extends string>(
  table: Record<K, { roles: readonly Role[] }>,
  actions: Partial<Record<K, RouteAction>>,
): RouteActions =>
  Object.fromEntries(
    Object.entries(actions).map(([k, action]) => [
      k,
      { roles: table[k as K].roles, action: action as RouteAction },
    ]),
  );

const json = (
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { ...extra, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * Map any error to the SPEC error shape; unknown errors become a generic 500 with the request id.
 */
export const errorReply = (e: unknown, requestId: string): APIGatewayProxyStructuredResultV2 => {
  if (e instanceof ZodError) {
    const details = e.issues.map((i) => ({
      path: i.path.join('.') || '(body)',
      message: i.message,
    }));
    const first = details[0];
    const msg = first ? `invalid request: ${first.path}: ${first.message}` : 'invalid request';
    return json(400, { error: { code: 'BAD_REQUEST', message: msg, details } });
  }
  if (e instanceof CursorError)
    return json(400, {
      error: {
        code: 'BAD_REQUEST',
        message: e.message,
        details: [{ path: 'cursor', message: e.message }],
      },
    });
  if (e instanceof DomainError)
    return json(e.status, { error: { code: e.code, message: e.message, details: e.details } });
  logger.error('unhandled error', { requestId, error: e as Error });
  return json(500, {
    error: { code: 'INTERNAL', message: `internal error (request ${requestId})`, details: [] },
  });
};

const parseBody = (event: APIGatewayProxyEventV2): unknown => {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const size = event.isBase64Encoded
    ? Math.floor((event.body.length * 3) / 4)
    : Buffer.byteLength(event.body);
  if (size > MAX_BODY_BYTES)
    throw new DomainError(413, 'PAYLOAD_TOO_LARGE', `body: larger than ${MAX_BODY_BYTES} bytes`, [
      { path: '(body)', message: `at most ${MAX_BODY_BYTES} bytes (this is ${size})` },
    ]);
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof ReservedKeyError)
      throw new BadRequest(`body: ${e.message}`, [{ path: '(body)', message: e.message }]);
    throw new BadRequest('body is not valid JSON', [{ path: '(body)', message: 'not valid JSON' }]);
  }
};

/** Parse with a zod schema; failures become a 400 naming the path. */
export const parse = <S extends z.ZodType>(schema: S, value: unknown): z.infer<S> =>
  schema.parse(value);

/**
 * The thin adapter every API function uses: auth (bearer JWT, role check), JSON parse, route
 * dispatch by route key, error mapping. `authSecret` (the HS256 key) is resolved lazily and cached
 * by the caller's secrets port; it is not read when `auth` names a JWKS. `auth` defaults to the
 * function's environment.
 */
export const makeApiHandler = (
  routes: RouteActions,
  authSecret: () => Promise<string>,
  auth: AuthSettings = authSettingsFromEnv(),
) => {
  const verify = createVerifier(auth, authSecret);
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>().handler(
    async (event, context) => {
      const requestId = context.awsRequestId ?? event.requestContext?.requestId ?? 'local';
      try {
        const route = routes[event.routeKey];
        if (!route) throw new NotFound(`no route ${event.routeKey}`);
        const headers = Object.fromEntries(
          Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
        );
        const principal = await verify(headers.authorization);
        if (!route.roles.some((r) => principal.roles.includes(r)))
          throw new Forbidden(`this route needs the role ${route.roles.join(' or ')}`);
        const reply = await route.action({
          params: (event.pathParameters ?? {}) as Record<string, string>,
          query: (event.queryStringParameters ?? {}) as Record<string, string>,
          body: parseBody(event),
          headers,
          principal,
          requestId,
        });
        return json(reply.status, reply.body, reply.headers);
      } catch (e) {
        return errorReply(e, requestId);
      }
    },
  );
};
