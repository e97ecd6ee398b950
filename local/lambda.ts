/**
 * What Lambda gives a handler, built locally: a context with a time budget, and API Gateway v2
 * events.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ROUTES, type RouteKey } from '#functions/routes.js';

export const lambdaContext = (functionName: string, budgetMs = 900_000): Context => {
  const deadline = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

const compiled = (Object.keys(ROUTES) as RouteKey[]).map((key) => {
  const [method, path] = key.split(' ') as [string, string];
  const names: string[] = [];
  const re = new RegExp(
    `^${path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`,
  );
  return { key, method, re, names };
});

/**
 * Match a request to its route key; `null` when no route has that path, `'method'` when only the
 * method is wrong.
 */
export const matchRoute = (
  method: string,
  path: string,
): { key: RouteKey; params: Record<string, string> } | null | 'method' => {
  let pathMatched = false;
  for (const r of compiled) {
    const m = r.re.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    try {
      return {
        key: r.key,
        params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])),
      };
    } catch {
      // malformed percent-encoding: no such resource (API Gateway answers it before any function
      // runs)
      return null;
    }
  }
  return pathMatched ? 'method' : null;
};

/** An API Gateway HTTP API (payload 2.0) event, as API Gateway builds it. */
export const apiEvent = (o: {
  key: RouteKey;
  params: Record<string, string>;
  method: string;
  path: string;
  rawQuery: string;
  headers: Record<string, string>;
  body: string;
}): APIGatewayProxyEventV2 => {
  const query = new URLSearchParams(o.rawQuery);
  const qs: Record<string, string> = {};
  for (const [k, v] of query) qs[k] = k in qs ? `${qs[k]},${v}` : v;
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: o.key,
    rawPath: o.path,
    rawQueryString: o.rawQuery,
    headers: o.headers,
    queryStringParameters: Object.keys(qs).length ? qs : undefined,
    pathParameters: Object.keys(o.params).length ? o.params : undefined,
    body: o.body || undefined,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: o.method,
        path: o.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: o.headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: o.key,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
};
