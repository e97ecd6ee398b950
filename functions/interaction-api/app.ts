import type { Deps } from '#shared/deps.js';
import { NotImplemented } from '#shared/errors.js';
import { makeApiHandler, withRoles } from '#shared/http/api.js';
import { ROUTES, routesOf } from '../routes.js';

/** Routes wired and authenticated; the capability lands with its issue and answers 501 until then. */
export const makeHandler = (_deps: Deps, authSecret: () => Promise<string>) =>
  makeApiHandler(
    withRoles(ROUTES, Object.fromEntries(routesOf('interaction-api').map((k) => [k, () => Promise.reject(new NotImplemented(k))]))),
    authSecret,
  );
