/**
 * Org scoping (SPEC §4.1): `operator` acts for every org; `expense`, `user` and `cloud` only for
 * their token's `orgId`. Another org's id answers 404, never 403, so ids cannot be probed. Use
 * cases call these helpers with whatever org the request names or the stored item belongs to.
 */
import { BadRequest, NotFound } from '../../domain/errors.js';
import type { Principal } from './jwt.js';

export const isOperator = (p: Principal): boolean => p.roles.includes('operator');

/** May `p` act for `orgId`? Operators for any; everyone else for their token's org only. */
const canActFor = (p: Principal, orgId: string | undefined): boolean =>
  isOperator(p) || (orgId !== undefined && p.orgId === orgId);

/**
 * Refuse, as "not found", an org the caller may not act for. `what` names the field or the item
 * (e.g. `invoiceId`, `billId`) so the 404 reads the same as for an id that does not exist.
 */
export const assertOrgAccess = (p: Principal, orgId: string | undefined, what = 'orgId'): void => {
  if (!canActFor(p, orgId)) throw new NotFound(`${what}: not found`);
};

/**
 * The org a request acts for: the one it names (`requestedOrgId`, from the body, query or path),
 * else the caller's token org. Another org's id is a 404; an operator must name the org when its
 * token has none.
 */
export const orgOf = (p: Principal, requestedOrgId?: string | null, what = 'orgId'): string => {
  const orgId = requestedOrgId ?? p.orgId;
  if (orgId === undefined)
    throw new BadRequest(`${what}: required`, [{ path: what, message: 'required' }]);
  assertOrgAccess(p, orgId, what);
  return orgId;
};

/**
 * Access to user `userId`'s folder or directory entry (`userOrgIds`: the orgs the stored user
 * belongs to, empty for a user not yet in the directory). `user` reaches only itself within its
 * org; `expense` any user of its org; operators any user. Everything else is a 404.
 */
export const assertUserAccess = (
  p: Principal,
  userId: string,
  userOrgIds: readonly string[],
  what = 'userId',
): void => {
  if (isOperator(p)) return;
  const inOrg = p.orgId !== undefined && userOrgIds.includes(p.orgId);
  const asService = p.roles.includes('expense') && inOrg;
  const asSelf = p.roles.includes('user') && inOrg && p.sub === userId;
  if (!asService && !asSelf) throw new NotFound(`${what}: not found`);
};
