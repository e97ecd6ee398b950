/**
 * The sample events of `events/`, made real: API events carry a bearer token signed with the
 * stack's token secret (roles from the route table), SQS events carry the message the stand-in
 * received.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ROUTES, type RouteKey } from '#functions/routes.js';
import { signJwt } from '#shared/adapters/http/jwt.js';
import type { SentMessage } from './stand-ins.js';

const EVENTS = new URL('../../../events/', import.meta.url);

export const sample = (name: string): any =>
  JSON.parse(readFileSync(new URL(`${name}.json`, EVENTS), 'utf8'));

export const LOGIN_ORG = 'hz';

/** An API Gateway (HTTP API v2) event with a token for its route's roles, acting for org hz. */
export const withToken = (event: any, secret: string): any => {
  const route = ROUTES[event.routeKey as RouteKey];
  if (!route) throw new Error(`sample event for unknown route ${String(event.routeKey)}`);
  const token = signJwt(
    { sub: 'deployed-shape', orgId: LOGIN_ORG, roles: [...route.roles] },
    secret,
  );
  return {
    ...event,
    headers: { ...event.headers, authorization: `Bearer ${token}` },
    requestContext: { ...event.requestContext, requestId: randomUUID(), timeEpoch: Date.now() },
  };
};

/** Another route of the same function, derived from its sample. */
export const reroute = (
  event: any,
  routeKey: RouteKey,
  rawPath: string,
  body?: unknown,
  pathParameters?: Record<string, string>,
): any => {
  const method = routeKey.split(' ')[0];
  return {
    ...event,
    routeKey,
    rawPath,
    rawQueryString: '',
    queryStringParameters: undefined,
    pathParameters,
    body: body === undefined ? undefined : JSON.stringify(body),
    requestContext: {
      ...event.requestContext,
      routeKey,
      http: { ...event.requestContext.http, method, path: rawPath },
    },
  };
};

/** The API reply as a client sees it. */
export const reply = (result: any): { status: number; body: any } => ({
  status: Number(result?.statusCode),
  body: typeof result?.body === 'string' && result.body ? JSON.parse(result.body) : result?.body,
});

/** An SQS event for the consumer: the sample's shape with the message actually sent, if any. */
export const sqsEvent = (sampleName: string, queueArn: string, sent: SentMessage[]): any => {
  const s = sample(sampleName);
  const template = s.Records[0];
  if (!sent.length) return s;
  return {
    Records: sent.map((m) => ({
      ...template,
      messageId: randomUUID(),
      body: m.body,
      attributes: {
        ...template.attributes,
        SentTimestamp: String(Date.now()),
        ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
        ...(m.dedupId ? { MessageDeduplicationId: m.dedupId } : {}),
      },
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
};
