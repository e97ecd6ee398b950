/**
 * The public documents in front of an API function: `GET /openapi.json` and `GET /docs` are
 * answered before any token check, every other route goes to the handler unchanged. The document
 * module (every route's schemas) loads on the first documents request, not at cold start.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PUBLIC_ROUTES } from './routes.js';

export const withPublicDocs =
  <C>(handler: (e: APIGatewayProxyEventV2, c: C) => Promise<APIGatewayProxyStructuredResultV2>) =>
  async (event: APIGatewayProxyEventV2, context: C): Promise<APIGatewayProxyStructuredResultV2> =>
    event.routeKey in PUBLIC_ROUTES
      ? (await import('./api-docs.js')).publicDocsReply(event.routeKey)!
      : handler(event, context);
